"""The synthetic benchmark data is deterministic, realistic and fits today's fleet."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import numpy as np
import pytest

from app.engine.synthetic import SIZES, generate_data
from app.engine.types import VehicleType


@pytest.fixture(scope="module")
def size_m():
    return generate_data("M", seed=7)


def test_same_seed_same_data_other_seed_other_data():
    first, again, other = generate_data("S", 3), generate_data("S", 3), generate_data("S", 4)
    assert first.trips == again.trips and first.vehicles == again.vehicles
    assert first.trips != other.trips


def test_sizes_match_the_engine_issue(size_m):
    assert len({v.location for v in size_m.vehicles}) == 5
    assert len(size_m.vehicles) == 100
    assert len(size_m.candidates) == 6
    assert 40_000 <= len(size_m.trips) <= 60_000
    assert size_m.parameters["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    small = generate_data("S", 1)
    assert len(small.vehicles) == SIZES["S"].vehicles == 15
    assert small.parameters["period"]["end"] == "2026-03-31"


def test_trips_look_like_municipal_round_trips(size_m):
    km = np.array([t.distance_km for t in size_m.trips])
    assert 5.5 <= np.median(km) <= 8.5
    assert km.max() <= 300 and (km >= 100).sum() > 20
    day_time = np.mean([7 <= t.start.hour < 15 for t in size_m.trips])
    assert 0.7 <= day_time <= 0.9
    weekend = np.mean([t.start.weekday() >= 5 for t in size_m.trips])
    assert 0.02 <= weekend <= 0.15  # evening crews also drive at weekends
    types = {v.type for v in size_m.vehicles}
    assert types == {VehicleType.FOSSIL, VehicleType.EV, VehicleType.EBIKE, VehicleType.BIKE}


def test_each_vehicle_drove_its_trips_one_after_another(size_m):
    by_vehicle = defaultdict(list)
    for trip in size_m.trips:
        by_vehicle[trip.vehicle_id].append(trip)
    for trips in by_vehicle.values():
        trips.sort(key=lambda t: t.start)
        for before, after in pairwise(trips):
            assert (after.start - before.end).total_seconds() >= 5 * 60  # the changeover


def test_ev_and_bike_trips_fit_their_real_vehicle(size_m):
    vehicles = {v.vehicle_id: v for v in size_m.vehicles}
    for trip in size_m.trips:
        vehicle = vehicles[trip.vehicle_id]
        if vehicle.type == VehicleType.EV:
            assert trip.distance_km <= vehicle.range_km
        if vehicle.type in (VehicleType.BIKE, VehicleType.EBIKE):
            assert trip.distance_km <= 25
            assert (trip.start.hour, trip.start.minute) >= (7, 0)
            assert (trip.end.hour, trip.end.minute) <= (15, 30)
