"""Named, versioned parameter sets (prices, emission factors, rates...)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class ParameterSet(db.Model):
    """A named, versioned set of values; each value carries its unit, source and year.

    `values` maps a dotted key (e.g. "emission_kg_per_unit.petrol") to
    {"value": ..., "unit": ..., "source": ..., "year": ...}. Versions are never edited in
    place: a change saves version n+1, so old scenarios keep pointing at what they used.
    """

    __tablename__ = "parameter_set"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    values: Mapped[dict] = mapped_column(db.JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User")

    def plain_values(self) -> dict:
        """The values without their metadata: {"emission_kg_per_unit.petrol": 2.52, ...}."""
        return {key: entry["value"] for key, entry in self.values.items()}
