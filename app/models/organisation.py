"""Where vehicles live and who owns them: locations, administrations, departments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Location(db.Model):
    """A home location: where round trips start and end (a depot, a care area's base)."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Radius within which a GPS position counts as "at home" when building round trips.
    radius_m: Mapped[int] = mapped_column(Integer, default=200)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parking_points: Mapped[list[ParkingPoint]] = relationship(
        back_populates="location", cascade="all, delete-orphan", order_by="ParkingPoint.id"
    )

    def __repr__(self) -> str:
        return f"<Location {self.name}>"


class ParkingPoint(db.Model):
    """An extra place where a location's vehicles park (counts as home for round trips)."""

    __tablename__ = "parking_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[int] = mapped_column(Integer, default=200)

    location: Mapped[Location] = relationship(back_populates="parking_points")


class Administration(db.Model):
    """A "forvaltning": the top of the organisation that owns vehicles."""

    __tablename__ = "administration"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")

    departments: Mapped[list[Department]] = relationship(
        back_populates="administration", order_by="Department.name"
    )


class Department(db.Model):
    """An "afdeling" within an administration."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("administration_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"))
    name: Mapped[str] = mapped_column(String(120))

    administration: Mapped[Administration] = relationship(back_populates="departments")

    @property
    def full_name(self) -> str:
        return f"{self.administration.name} / {self.name}"
