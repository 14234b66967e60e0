"""Data in and out: the candidate model catalogue, BI API tokens, settings, pending GPS drives."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.fleet import Fuel, VehicleKindLabels, VehicleType, _enum
from app.models.types import UTCDateTime, utcnow


class VehicleModel(VehicleKindLabels, db.Model):
    """A candidate vehicle model scenarios can add ("make, model, consumption, cost")."""

    __tablename__ = "vehicle_model"
    __table_args__ = (UniqueConstraint("make", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(60))
    vehicle_type: Mapped[VehicleType] = mapped_column(_enum(VehicleType))
    plug_in_hybrid: Mapped[bool] = mapped_column(Boolean, default=False)
    fuel: Mapped[Fuel] = mapped_column(_enum(Fuel))
    km_per_litre: Mapped[float | None] = mapped_column(Float)
    wh_per_km: Mapped[float | None] = mapped_column(Float)
    range_km: Mapped[float | None] = mapped_column(Float)
    yearly_cost_dkk: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def name(self) -> str:
        return f"{self.make} {self.model}".strip()


class ApiToken(db.Model):
    """A read-only token for the BI JSON API; only its sha256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown in lists so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class AppSetting(db.Model):
    """A global setting changed in the UI (e.g. months of round trips to keep)."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(db.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PendingGpsDrive(db.Model):
    """A drive of a round trip not yet back home when its GPS file ended.

    Kept aside until the next GPS import continues the chain; it is not a round trip yet.
    """

    __tablename__ = "pending_gps_drive"
    __table_args__ = (UniqueConstraint("vehicle_id", "start_time", "end_time"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id", ondelete="CASCADE"))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    start_latitude: Mapped[float] = mapped_column(Float)
    start_longitude: Mapped[float] = mapped_column(Float)
    end_latitude: Mapped[float] = mapped_column(Float)
    end_longitude: Mapped[float] = mapped_column(Float)
    distance_km: Mapped[float] = mapped_column(Float)
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL"), index=True
    )


class LocationPrecision(db.Model):
    """Per GPS import and location: km driven and km that ended in complete round trips."""

    __tablename__ = "location_precision"
    __table_args__ = (UniqueConstraint("import_batch_id", "location_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    km_total: Mapped[float] = mapped_column(Float, default=0.0)
    km_complete: Mapped[float] = mapped_column(Float, default=0.0)
    drives: Mapped[int] = mapped_column(Integer, default=0)
