"""Scenarios: a named setup with an immutable snapshot of its inputs, and its runs."""

from __future__ import annotations

import json
import zlib
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


def pack(value) -> bytes:
    """JSON, compressed: snapshots and plans of a year of trips are megabytes as text."""
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 6)


def unpack(blob: bytes | None):
    return None if blob is None else json.loads(zlib.decompress(blob))


class Scenario(db.Model):
    __tablename__ = "scenario"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # simulate | optimise
    notes: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    location_ids: Mapped[list] = mapped_column(db.JSON, default=list)
    location_names: Mapped[list] = mapped_column(db.JSON, default=list)
    pooled: Mapped[bool] = mapped_column(Boolean, default=True)
    # What the planner chose: candidate models with max counts, parameter overrides,
    # simulate counts, optimisation target and budget. Editable until the first run.
    setup: Mapped[dict] = mapped_column(db.JSON, default=dict)
    co2_target_pct: Mapped[float | None] = mapped_column(Float)
    budget_dkk: Mapped[float | None] = mapped_column(Float)
    parameter_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("parameter_set.id", ondelete="SET NULL")
    )
    # The engine inputs exactly as run (trips, vehicles, candidates, parameters), packed.
    snapshot_blob: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    snapshot_summary: Mapped[dict] = mapped_column(db.JSON, default=dict)
    duplicated_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenario.id", ondelete="SET NULL")
    )

    owner = relationship("User")
    runs: Mapped[list[ScenarioRun]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="ScenarioRun.id"
    )

    @property
    def snapshot(self) -> dict | None:
        return unpack(self.snapshot_blob)

    @property
    def latest_run(self) -> ScenarioRun | None:
        return self.runs[-1] if self.runs else None

    @property
    def kind_label(self) -> str:
        return "Optimering" if self.kind == "optimise" else "Simulering"


class ScenarioRun(db.Model):
    """One run of a scenario through the engine; the result never expires unless deleted."""

    __tablename__ = "scenario_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("scenario.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    # Small, queryable figures for lists and comparisons (totals, baseline, fleet, status).
    summary: Mapped[dict] = mapped_column(db.JSON, default=dict)
    # The whole engine result (plan per trip, per-vehicle usage, alternatives), packed.
    result_blob: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    scenario: Mapped[Scenario] = relationship(back_populates="runs")
    job = relationship("Job")

    @property
    def result(self) -> dict | None:
        return unpack(self.result_blob)

    @property
    def state(self) -> str | None:
        """optimal | feasible | unreachable | failed once the run has ended, else None."""
        if self.status not in ("finished", "unreachable", "failed"):
            return None
        # runs stored before states existed were only ever stored when finished
        return (self.summary or {}).get("state") or (
            "optimal" if self.status == "finished" else self.status
        )

    @property
    def state_label(self) -> str:
        from app.scenarios.results import STATE_LABELS

        return STATE_LABELS.get(self.state or "", "")
