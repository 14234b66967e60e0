"""The demo municipality: deterministic for a seed, plausible, internally consistent."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date
from itertools import pairwise

import pytest

from app.demo.generator import generate
from app.demo.service import DemoDataExists, load_demo_data
from app.extensions import db
from app.models import RoundTrip, Vehicle, VehicleLocationHistory

END = date(2026, 11, 27)


@pytest.fixture(scope="module")
def demo():
    return generate(seed=2026, end=END)


def test_same_seed_gives_identical_data(demo):
    again = generate(seed=2026, end=END)
    assert again.trips == demo.trips
    assert [v.fleet_id for v in again.vehicles] == [v.fleet_id for v in demo.vehicles]
    other = generate(seed=7, end=END)
    assert other.trips != demo.trips


def test_size_and_mix(demo):
    assert 4 <= len(demo.locations) <= 6
    assert len(demo.administrations) == 3
    assert 60 <= len(demo.vehicles) <= 120
    kinds = {(v.model.vehicle_type, v.model.fuel) for v in demo.vehicles}
    assert {("fossil", "petrol"), ("fossil", "diesel"), ("ev", "electricity")} <= kinds
    assert {("ebike", "electricity"), ("bike", "none")} <= kinds
    assert (demo.end - demo.start).days + 1 == 365
    assert sum(1 for v in demo.vehicles if v.lease_end and v.lease_end < demo.end) >= 3
    assert sum(1 for v in demo.vehicles if v.missing) >= 2


def test_trip_statistics_are_plausible(demo):
    trips = demo.trips
    day_share = sum(1 for t in trips if 7 <= t.start.hour < 15) / len(trips)
    assert 0.75 <= day_share <= 0.85
    median_km = statistics.median(t.distance_km for t in trips)
    assert 6.0 <= median_km <= 8.0
    assert max(t.distance_km for t in trips) >= 250
    assert any(t.start.weekday() >= 5 for t in trips)
    assert all(t.end > t.start and t.distance_km > 0 for t in trips)
    median_minutes = statistics.median((t.end - t.start).total_seconds() / 60 for t in trips)
    assert 35 <= median_minutes <= 65


def test_no_vehicle_has_overlapping_trips(demo):
    by_vehicle = defaultdict(list)
    for trip in demo.trips:
        by_vehicle[trip.fleet_id].append(trip)
    for trips in by_vehicle.values():
        trips.sort(key=lambda t: t.start)
        for earlier, later in pairwise(trips):
            assert earlier.end <= later.start


def test_stored_trips_start_at_their_vehicles_location_of_the_day(any_db_app):
    with any_db_app.app_context():
        summary = load_demo_data(seed=2026, end=END)
        assert summary["trips"] == db.session.scalar(db.select(db.func.count(RoundTrip.id)))
        history = defaultdict(list)
        for entry in db.session.scalars(db.select(VehicleLocationHistory)):
            history[entry.vehicle_id].append((entry.valid_from, entry.location_id))
        for entries in history.values():
            entries.sort()
        moved = [v for v, entries in history.items() if len(entries) > 1]
        assert moved, "the demo has a vehicle that changed location"
        rows = db.session.execute(
            db.select(RoundTrip.vehicle_id, RoundTrip.location_id, RoundTrip.start_time)
        ).all()
        from app.models import LOCAL_TZ

        for vehicle_id, location_id, start in rows:
            day = start.astimezone(LOCAL_TZ).date()
            valid = [loc for since, loc in history[vehicle_id] if since <= day]
            assert valid and valid[-1] == location_id
        vehicle = db.session.get(Vehicle, moved[0])
        assert vehicle.location_id == history[moved[0]][-1][1]
        with pytest.raises(DemoDataExists):
            load_demo_data(seed=2026, end=END)


def test_demo_job_loads_data_with_progress(app_ctx):
    from rq import SimpleWorker

    from app.jobs.queue import job_queue, redis_connection
    from app.jobs.service import enqueue
    from app.models import Job

    job = enqueue("demo_data", {"seed": 2026, "end": END.isoformat()})
    SimpleWorker([job_queue()], connection=redis_connection()).work(burst=True)
    job = db.session.get(Job, job.id)
    assert job.status == "finished", job.error_detail
    assert job.result["vehicles"] == db.session.scalar(db.select(db.func.count(Vehicle.id)))
    # A second run refuses politely instead of duplicating.
    second = enqueue("demo_data", {"seed": 2026, "end": END.isoformat()})
    SimpleWorker([job_queue()], connection=redis_connection()).work(burst=True)
    second = db.session.get(Job, second.id)
    assert second.status == "failed" and "tom database" in second.error


def test_landing_page_shows_real_kpis(app, viewer_client):
    with app.app_context():
        load_demo_data(seed=2026, end=date.today())
        vehicles = db.session.scalar(
            db.select(db.func.count(Vehicle.id)).where(~Vehicle.disabled, ~Vehicle.candidate)
        )
    page = viewer_client.get("/")
    assert f'data-kpi="vehicles">{vehicles}<' in page.text
    assert 'data-kpi="locations">5<' in page.text
    assert 'data-kpi="trips">0<' not in page.text
    assert "%" in page.text.split('data-kpi="fossil-free">')[1][:20]
