"""Vehicles, their home-location history, and the round trips they drove."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.engine.types import Fuel, VehicleType  # one definition for engine and database
from app.extensions import db
from app.models.organisation import Department, Location
from app.models.types import UTCDateTime, utcnow


class LeaseType(StrEnum):
    OPERATIONAL = "operational"
    FINANCIAL = "financial"
    OWNED = "owned"


VEHICLE_TYPE_LABELS = {
    VehicleType.BIKE: "Cykel",
    VehicleType.EBIKE: "Elcykel",
    VehicleType.EV: "Elbil",
    VehicleType.FOSSIL: "Fossilbil",
}
FUEL_LABELS = {
    Fuel.PETROL: "Benzin",
    Fuel.DIESEL: "Diesel",
    Fuel.HVO: "HVO",
    Fuel.ELECTRICITY: "El",
    Fuel.NONE: "Ingen",
}
LEASE_TYPE_LABELS = {
    LeaseType.OPERATIONAL: "Operationel leasing",
    LeaseType.FINANCIAL: "Finansiel leasing",
    LeaseType.OWNED: "Ejet",
}


def _enum(enum_cls: type[StrEnum]) -> Enum:
    # Stored as short strings (not native PG enums) so adding a value needs no type migration.
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class VehicleKindLabels:
    """Danish labels for anything with vehicle_type, plug_in_hybrid and fuel columns."""

    @property
    def type_label(self) -> str:
        label = VEHICLE_TYPE_LABELS[self.vehicle_type]
        return f"{label} (plugin-hybrid)" if self.plug_in_hybrid else label

    @property
    def fuel_label(self) -> str:
        return FUEL_LABELS[self.fuel]


class Vehicle(VehicleKindLabels, db.Model):
    __tablename__ = "vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    fleet_id: Mapped[str] = mapped_column(String(60), unique=True)
    plate: Mapped[str | None] = mapped_column(String(20))
    make: Mapped[str] = mapped_column(String(60), default="")
    model: Mapped[str] = mapped_column(String(60), default="")
    vehicle_type: Mapped[VehicleType] = mapped_column(_enum(VehicleType))
    plug_in_hybrid: Mapped[bool] = mapped_column(Boolean, default=False)
    fuel: Mapped[Fuel] = mapped_column(_enum(Fuel))
    km_per_litre: Mapped[float | None] = mapped_column(Float)
    wh_per_km: Mapped[float | None] = mapped_column(Float)
    range_km: Mapped[float | None] = mapped_column(Float)
    yearly_cost_dkk: Mapped[float | None] = mapped_column(Float)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    lease_type: Mapped[LeaseType | None] = mapped_column(_enum(LeaseType))
    lease_start: Mapped[date | None] = mapped_column(Date)
    lease_end: Mapped[date | None] = mapped_column(Date)
    yearly_km_allowance: Mapped[float | None] = mapped_column(Float)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # A "test vehicle": exists only to be tried in scenarios, never drove a trip.
    candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    location: Mapped[Location | None] = relationship()
    department: Mapped[Department | None] = relationship()
    location_history: Mapped[list[VehicleLocationHistory]] = relationship(
        back_populates="vehicle",
        cascade="all, delete-orphan",
        order_by="VehicleLocationHistory.valid_from",
    )

    @property
    def is_car(self) -> bool:
        return self.vehicle_type in (VehicleType.EV, VehicleType.FOSSIL)

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.make, self.model) if p)
        return f"{self.fleet_id} {name}".strip()

    def missing_data(self) -> list[str]:
        """What the analysis lacks for this vehicle, in Danish (empty when complete)."""
        missing = []
        if self.yearly_cost_dkk is None:
            missing.append("årlig omkostning")
        if self.vehicle_type == VehicleType.FOSSIL and not self.km_per_litre:
            missing.append("km/l")
        if self.vehicle_type == VehicleType.EV and not self.wh_per_km:
            missing.append("Wh/km")
        if self.vehicle_type == VehicleType.EV and not self.range_km:
            missing.append("rækkevidde")
        if (
            self.lease_type in (LeaseType.OPERATIONAL, LeaseType.FINANCIAL)
            and self.lease_end is None
        ):
            missing.append("leasingudløb")
        if self.location_id is None:
            missing.append("lokation")
        return missing

    def status(self, today: date) -> str:
        """One status chip: deaktiveret, testkøretøj, mangler data, leasing udløbet or OK."""
        if self.disabled:
            return "deaktiveret"
        if self.candidate:
            return "testkøretøj"
        if self.missing_data():
            return "mangler data"
        if self.lease_end is not None and self.lease_end < today:
            return "leasing udløbet"
        return "OK"

    def __repr__(self) -> str:
        return f"<Vehicle {self.fleet_id}>"


class VehicleLocationHistory(db.Model):
    """Where a vehicle was based from a date on; the newest entry matches `Vehicle.location`."""

    __tablename__ = "vehicle_location_history"
    __table_args__ = (UniqueConstraint("vehicle_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vehicle: Mapped[Vehicle] = relationship(back_populates="location_history")
    location: Mapped[Location] = relationship()


class RoundTrip(db.Model):
    """A vehicle's chain of drives from its home location until it is back.

    No driver identity is stored: the analysis needs only vehicle, place, time and km.
    """

    __tablename__ = "round_trip"
    __table_args__ = (
        # The natural key: re-importing a file or an overlapping period never duplicates.
        # Its index also serves "trips of one vehicle in start order" (a leading prefix).
        UniqueConstraint("vehicle_id", "start_time", "end_time", name="uq_round_trip_natural"),
        Index("ix_round_trip_location_start", "location_id", "start_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    distance_km: Mapped[float] = mapped_column(Float)
    driving_minutes: Mapped[float | None] = mapped_column(Float)
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL"), index=True
    )

    vehicle: Mapped[Vehicle] = relationship()
    location: Mapped[Location] = relationship()

    @property
    def duration_minutes(self) -> float:
        return (self.end_time - self.start_time).total_seconds() / 60


class ImportBatch(db.Model):
    """One imported file (or generated data set): what it added, so it can be undone."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # trips | gps | vehicles | locations | demo
    file_name: Mapped[str] = mapped_column(String(255))
    checksum: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the original
    stored_path: Mapped[str | None] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="applied")  # applied | undone
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict] = mapped_column(db.JSON, default=dict)

    user = relationship("User")


# One definition of "fossil-free" for every statistic (the incumbent counted HVO as fossil
# in one place and fossil-free in another): electricity, muscle power and HVO are fossil-free.
FOSSIL_FREE_FUELS = (Fuel.ELECTRICITY, Fuel.NONE, Fuel.HVO)


def is_fossil_free(fuel: Fuel) -> bool:
    return fuel in FOSSIL_FREE_FUELS
