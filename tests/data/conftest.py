"""Fixtures for the data tests: a small hand-made register and a database fingerprint."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import pytest

from app.models import LOCAL_TZ

HERE = Path(__file__).parent
BAD = HERE / "bad"
NORD = (56.1872, 9.5491)
NORD_PARKING = (56.1950, 9.5700)  # about 1.5 km away from Nord: outside its radius
SYD = (56.1521, 9.5602)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def make_register(app) -> dict:
    """Two locations (Nord with an extra parking point), five vehicles, one stored trip."""
    from app.extensions import db
    from app.models import (
        Administration,
        Department,
        Fuel,
        LeaseType,
        Location,
        ParkingPoint,
        RoundTrip,
        Vehicle,
        VehicleLocationHistory,
        VehicleType,
    )

    with app.app_context():
        nord = Location(
            name="Hjemmeplejen Nord",
            address="Nørregade 12",
            latitude=NORD[0],
            longitude=NORD[1],
            radius_m=200,
        )
        nord.parking_points.append(
            ParkingPoint(
                name="P-hus", latitude=NORD_PARKING[0], longitude=NORD_PARKING[1], radius_m=150
            )
        )
        syd = Location(
            name="Hjemmeplejen Syd",
            address="Sønderport 4",
            latitude=SYD[0],
            longitude=SYD[1],
            radius_m=200,
        )
        admin = Administration(name="Sundhed og Omsorg")
        dept = Department(administration=admin, name="Hjemmepleje Nord")
        db.session.add_all([nord, syd, admin, dept])
        db.session.flush()

        def vehicle(fleet_id, vtype, fuel, location, **extra):
            v = Vehicle(
                fleet_id=fleet_id,
                vehicle_type=vtype,
                fuel=fuel,
                location_id=location.id,
                department_id=dept.id,
                make=extra.pop("make", "Renault"),
                model=extra.pop("model", "Zoe"),
                **extra,
            )
            v.location_history.append(
                VehicleLocationHistory(location_id=location.id, valid_from=date(2024, 1, 1))
            )
            db.session.add(v)
            return v

        vehicles = [
            vehicle(
                "26",
                VehicleType.EV,
                Fuel.ELECTRICITY,
                nord,
                wh_per_km=170,
                range_km=390,
                yearly_cost_dkk=61000,
                lease_type=LeaseType.OPERATIONAL,
                lease_start=date(2024, 1, 1),
                lease_end=date(2028, 12, 31),
            ),
            vehicle(
                "264",
                VehicleType.FOSSIL,
                Fuel.PETROL,
                nord,
                make="Toyota",
                model="Yaris",
                km_per_litre=19.2,
                yearly_cost_dkk=47000,
                plate="AB 12 345",
            ),
            vehicle(
                "AB1001",
                VehicleType.FOSSIL,
                Fuel.HVO,
                syd,
                make="Ford",
                model="Transit",
                km_per_litre=13.5,
            ),
            vehicle("D1", VehicleType.EV, Fuel.ELECTRICITY, syd, wh_per_km=150, disabled=True),
            vehicle(
                "CYK1",
                VehicleType.EBIKE,
                Fuel.ELECTRICITY,
                nord,
                make="Kildemoes",
                model="Logic",
                wh_per_km=10,
                yearly_cost_dkk=6000,
            ),
        ]
        db.session.flush()
        db.session.add(
            RoundTrip(
                vehicle_id=vehicles[0].id,
                location_id=nord.id,
                start_time=local(2026, 3, 2, 8, 0),
                end_time=local(2026, 3, 2, 10, 0),
                distance_km=20.0,
                driving_minutes=45,
            )
        )
        db.session.commit()
        return {"nord": nord.id, "syd": syd.id, "vehicles": {v.fleet_id: v.id for v in vehicles}}


@pytest.fixture
def register(app):
    return make_register(app)


def fingerprint(app) -> str:
    """A hash of every row the imports may touch: equal before and after means unchanged."""
    from app.extensions import db

    tables = [
        "round_trip",
        "vehicle",
        "location",
        "parking_point",
        "vehicle_location_history",
        "import_batch",
        "pending_gps_drive",
        "location_precision",
        "department",
        "administration",
    ]
    digest = hashlib.sha256()
    with app.app_context():
        for table in tables:
            rows = db.session.execute(db.text(f"SELECT * FROM {table} ORDER BY 1")).all()  # noqa: S608
            digest.update(f"{table}:{len(rows)}:{rows!r}".encode())
    return digest.hexdigest()


def count(app, table: str) -> int:
    from app.extensions import db

    with app.app_context():
        return db.session.execute(db.text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
