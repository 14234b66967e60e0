"""GPS logs aggregated into round trips: hand-made logs with known answers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.data.conftest import NORD, NORD_PARKING, count, fingerprint

A = (56.2100, 9.6000)
B = (56.2200, 9.5000)
C = (56.1500, 9.6500)
HEAD = "Køretøj;Start;Slut;Start breddegrad;Start længdegrad;Slut breddegrad;Slut længdegrad;Km\n"


def drive(vehicle, start, end, frm, to, km) -> str:
    def dk(value: float) -> str:
        return str(value).replace(".", ",")

    return (
        f"{vehicle};03-03-2026 {start};03-03-2026 {end};{dk(frm[0])};{dk(frm[1])};"
        f"{dk(to[0])};{dk(to[1])};{dk(km)}\n"
    )


FIRST = HEAD + "".join(
    [
        drive("26", "08:00", "08:20", NORD, A, 10),
        drive("26", "09:00", "09:20", A, B, 8),
        drive("26", "10:00", "10:30", B, NORD, 12),
        drive("26", "11:00", "11:15", NORD, C, 6),
        drive("26", "12:00", "12:10", C, NORD_PARKING, 5),  # parks at the extra point
        drive("26", "13:00", "13:20", NORD_PARKING, A, 4),  # leaves from the extra point
        drive("26", "14:00", "14:20", A, NORD, 7),
        drive("264", "08:00", "08:30", A, B, 9),  # never left from home: lost km
        drive("264", "09:00", "09:20", NORD, A, 10),
        drive("264", "10:00", "10:20", A, C, 5),  # still away when the file ends
    ]
)
SECOND = HEAD + drive("264", "11:00", "11:30", C, NORD, 6)


def utc(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 3, hour - 1, minute, tzinfo=UTC)  # winter time: UTC+1


def gps_trips(app, batch_id=None) -> list[tuple]:
    from app.extensions import db
    from app.models import RoundTrip, Vehicle

    with app.app_context():
        query = (
            select(
                Vehicle.fleet_id,
                RoundTrip.start_time,
                RoundTrip.end_time,
                RoundTrip.distance_km,
                RoundTrip.driving_minutes,
                RoundTrip.location_id,
            )
            .join(Vehicle, Vehicle.id == RoundTrip.vehicle_id)
            .where(RoundTrip.import_batch_id.is_not(None))
            .order_by(Vehicle.fleet_id, RoundTrip.start_time)
        )
        if batch_id:
            query = query.where(RoundTrip.import_batch_id == batch_id)
        return [tuple(r) for r in db.session.execute(query)]


def run(app, tmp_path: Path, name: str, text: str, apply: bool = True):
    from app.data.service import run_import

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with app.app_context():
        return run_import("gps", path, name, apply=apply)


def test_drives_become_round_trips_including_parking_point_and_unfinished_chain(
    app, register, tmp_path
):
    report = run(app, tmp_path, "gps1.csv", FIRST)
    assert report.ok, [e.text() for e in report.errors]
    assert report.rows_read == 10 and report.rows_added == 3
    nord = register["nord"]
    assert gps_trips(app) == [
        ("26", utc(8, 0), utc(10, 30), 30.0, 70.0, nord),
        ("26", utc(11, 0), utc(12, 10), 11.0, 25.0, nord),
        ("26", utc(13, 0), utc(14, 20), 11.0, 40.0, nord),
    ]
    # 264's chain is kept aside, not a round trip yet.
    assert count(app, "pending_gps_drive") == 2
    assert report.details["pending_drives"] == 2
    # Precision: 52 of 61 km ended in complete round trips (9 km never started at home).
    assert report.details["precision"] == {"Hjemmeplejen Nord": 85.2}
    assert not report.warnings

    second = run(app, tmp_path, "gps2.csv", SECOND)
    assert second.ok and second.rows_added == 1
    assert gps_trips(app, second.batch_id) == [("264", utc(9, 0), utc(11, 30), 21.0, 70.0, nord)]
    assert count(app, "pending_gps_drive") == 0

    from app.locations.routes import location_rows

    with app.test_request_context():
        rows = {r["location"].name: r for r in location_rows()}
    assert round(rows["Hjemmeplejen Nord"]["precision"] * 100, 1) == round(73 / 82 * 100, 1)
    assert rows["Hjemmeplejen Syd"]["precision"] is None


def test_same_gps_file_twice_adds_nothing(app, register, tmp_path):
    run(app, tmp_path, "gps1.csv", FIRST)
    before = fingerprint(app)
    again = run(app, tmp_path, "gps1b.csv", FIRST)
    assert again.ok and again.rows_added == 0 and again.rows_skipped == 3
    assert count(app, "round_trip") == 4
    assert count(app, "pending_gps_drive") == 2
    assert before != fingerprint(app)  # a new batch row, nothing else
    assert len(gps_trips(app)) == 3


def test_low_precision_is_warned(app, register, tmp_path):
    text = (
        HEAD
        + drive("26", "08:00", "08:20", A, B, 50)
        + drive("26", "09:00", "09:20", NORD, A, 5)
        + drive("26", "10:00", "10:20", A, NORD, 5)
    )
    report = run(app, tmp_path, "gps.csv", text, apply=False)
    assert report.ok
    assert report.details["precision"] == {"Hjemmeplejen Nord": 16.7}
    assert "Præcision for «Hjemmeplejen Nord» er 17 %" in report.warnings[0]


def test_undo_of_gps_import_restores_the_pending_chain(app, register, tmp_path):
    from app.data.service import undo_batch
    from app.extensions import db
    from app.models import ImportBatch

    run(app, tmp_path, "gps1.csv", FIRST)
    second = run(app, tmp_path, "gps2.csv", SECOND)
    assert count(app, "pending_gps_drive") == 0
    with app.app_context():
        undo_batch(db.session.get(ImportBatch, second.batch_id))
    assert count(app, "pending_gps_drive") == 2
    assert len(gps_trips(app)) == 3
    # Importing the continuation again completes the chain again.
    third = run(app, tmp_path, "gps2b.csv", SECOND)
    assert third.rows_added == 1


def test_location_without_coordinates_is_reported(app, register, tmp_path):
    from app.extensions import db
    from app.models import Location

    with app.app_context():
        location = db.session.get(Location, register["syd"])
        location.latitude = location.longitude = None
        db.session.commit()
    text = HEAD + drive("AB1001", "08:00", "08:20", A, B, 5)
    report = run(app, tmp_path, "gps.csv", text, apply=False)
    assert "Lokationen «Hjemmeplejen Syd» har ingen koordinater" in report.errors[0].message


@pytest.mark.parametrize(
    ("point", "home"),
    [((56.1872, 9.5491), True), ((56.1885, 9.5491), True), ((56.1900, 9.5491), False)],
)
def test_home_radius(app, register, point, home):
    from app.data.gps import home_areas

    with app.app_context():
        area = home_areas()[register["nord"]]
    assert area.contains(*point) is home  # 200 m radius: 145 m inside, 311 m outside


@pytest.mark.postgres
def test_gps_aggregation_and_undo_on_both_databases(any_db_app, tmp_path):
    from app.data.service import undo_batch
    from app.extensions import db
    from app.models import ImportBatch
    from tests.data.conftest import make_register

    app = any_db_app
    register = make_register(app)
    first = run(app, tmp_path, "gps1.csv", FIRST)
    second = run(app, tmp_path, "gps2.csv", SECOND)
    assert (first.rows_added, second.rows_added) == (3, 1)
    assert gps_trips(app, second.batch_id) == [
        ("264", utc(9, 0), utc(11, 30), 21.0, 70.0, register["nord"])
    ]
    with app.app_context():
        undo_batch(db.session.get(ImportBatch, second.batch_id))
    assert count(app, "pending_gps_drive") == 2 and len(gps_trips(app)) == 3
