"""Decision reports: a PDF made from one recommended scenario plus optional alternatives."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

REPORT_STATUS_LABELS = {
    "draft": "Kladde",
    "queued": "I kø",
    "running": "Laves",
    "finished": "Færdig",
    "failed": "Fejlet",
}

# Every section a planner may leave out; the cover and "Forudsætninger" are always printed
# (a decision must never be shown without the assumptions behind it).
OPTIONAL_SECTIONS = {
    "resume": "Resumé",
    "indstilling": "Indstilling",
    "sagsfremstilling": "Sagsfremstilling",
    "oekonomi": "Økonomi",
    "klima": "Klima",
    "service": "Service og risici",
    "bilag": "Bilag",
}


class Report(db.Model):
    """One decision report: what the planner chose and wrote, and the stored PDF.

    The texts are kept as the planner left them, so a report can be made again and the
    PDF shows exactly what was approved. Scenario names are copied because a scenario
    may be deleted later while its report stays on a committee's agenda.
    """

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenario.id", ondelete="SET NULL"), index=True
    )
    alternative_ids: Mapped[list] = mapped_column(db.JSON, default=list)
    include_baseline: Mapped[bool] = mapped_column(Boolean, default=True)
    scenario_names: Mapped[dict] = mapped_column(db.JSON, default=dict)  # id -> name
    # {"resume": "...", "indstilling": "one at-point per line"}
    texts: Mapped[dict] = mapped_column(db.JSON, default=dict)
    sections: Mapped[list] = mapped_column(db.JSON, default=list)
    # The engine parameters of the recommended scenario as printed in "Forudsætninger".
    parameters: Mapped[dict] = mapped_column(db.JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    file_path: Mapped[str | None] = mapped_column(String(500))  # relative to the instance
    checksum: Mapped[str | None] = mapped_column(String(64))  # sha256 of the PDF
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)

    created_by = relationship("User")
    scenario = relationship("Scenario")
    job = relationship("Job")

    @property
    def status_label(self) -> str:
        return REPORT_STATUS_LABELS.get(self.status, self.status)

    @property
    def has_file(self) -> bool:
        return self.status == "finished" and bool(self.file_path)
