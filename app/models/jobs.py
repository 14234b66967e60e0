"""Background jobs: one row per job, mirrored from RQ so it survives Redis restarts."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


JOB_STATUS_LABELS = {
    JobStatus.QUEUED: "I kø",
    JobStatus.RUNNING: "Kører",
    JobStatus.FINISHED: "Færdig",
    JobStatus.FAILED: "Fejlet",
    JobStatus.CANCELLED: "Annulleret",
}


# Handlers that share a service with the CLI summarise in its English keys; the job page
# shows them in Danish.
RESULT_LABELS = {
    "locations": "lokationer",
    "vehicles": "køretøjer",
    "trips": "rundture",
    "start": "fra",
    "end": "til",
}


def phase_steps(phase_log: list | None) -> list[dict]:
    """A job's phase log with each phase's duration in seconds (None while it runs)."""
    entries = [(e["phase"], datetime.fromisoformat(e["at"])) for e in phase_log or []]
    ends = [at for _, at in entries[1:]] + [None]
    return [
        {"phase": phase, "at": at, "seconds": (end - at).total_seconds() if end else None}
        for (phase, at), end in zip(entries, ends, strict=True)
    ]


class Job(db.Model):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED, index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[str] = mapped_column(String(200), default="")
    rq_id: Mapped[str | None] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    params: Mapped[dict] = mapped_column(db.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written with every progress update; a running job whose heartbeat stops is dead.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)  # Danish, for every user
    error_detail: Mapped[str | None] = mapped_column(Text)  # traceback, for admins
    result_ref: Mapped[str | None] = mapped_column(String(120))  # e.g. "import_batch:12"
    result: Mapped[dict] = mapped_column(db.JSON, default=dict)  # small summary
    # [{"phase": "Bygger model", "at": ISO time}, ...]: when each phase began.
    phase_log: Mapped[list | None] = mapped_column(db.JSON, default=list)

    user = relationship("User")

    @property
    def done(self) -> bool:
        return self.status in (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELLED)

    def result_items(self) -> list[tuple[str, object]]:
        """The result summary as (Danish label, value) pairs; ISO dates as dd-mm-yyyy."""
        items = []
        for key, value in (self.result or {}).items():
            if isinstance(value, str):
                with suppress(ValueError):
                    value = date.fromisoformat(value).strftime("%d-%m-%Y")
            items.append((RESULT_LABELS.get(key, key), value))
        return items

    @property
    def status_label(self) -> str:
        return JOB_STATUS_LABELS[JobStatus(self.status)]
