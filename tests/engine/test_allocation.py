"""Allocation settings: the share of bike-eligible trips staff will ride, and keep-type.

The engine (prepare.py) and the independent validator (validate.py) each implement both
rules; here they are checked on small hand-made cases, for determinism (trip order, other
trips), against the documented draw, and for clear errors. Brute-force optimality with
these settings is in test_bruteforce.py.

Draws of the ids used below (BLAKE2b-64 / 2**64): a 0.254, b 0.517, c 0.216, d 0.710,
e 0.066.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from app.engine import (
    CandidateModel,
    EngineError,
    FleetCount,
    Fuel,
    Parameters,
    Problem,
    Trip,
    Vehicle,
    VehicleType,
    optimise,
    simulate,
)
from app.engine.parameters import AllocationSettings
from app.engine.prepare import bike_acceptable, bike_draw, prepare
from app.engine.validate import validate

CPH = ZoneInfo("Europe/Copenhagen")
DAY = date(2026, 3, 3)
YARIS = "Nord/Toyota Yaris petrol 47000"


def at(hhmm: str, day: date = DAY) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=CPH)


def trip(tid, vehicle, start, end, km, location="Nord", day=DAY) -> Trip:
    return Trip(tid, vehicle, location, at(start, day), at(end, day), km)


def yaris(vid: str, location: str = "Nord") -> Vehicle:
    return Vehicle(
        vid, location, VehicleType.FOSSIL, Fuel.PETROL, 47000, km_per_litre=20,
        make="Toyota", model="Yaris",
    )  # fmt: skip


def bike(vid: str, location: str = "Nord") -> Vehicle:
    return Vehicle(vid, location, VehicleType.BIKE, Fuel.NONE, 2000, make="Batavus", model="Cykel")


BIKE_CANDIDATE = CandidateModel("cykel", VehicleType.BIKE, Fuel.NONE, 2500, make="Batavus")
EBIKE_CANDIDATE = CandidateModel(
    "elcykel", VehicleType.EBIKE, Fuel.ELECTRICITY, 6000, wh_per_km=10, make="Kildemoes"
)
ZOE_CANDIDATE = CandidateModel(
    "zoe", VehicleType.EV, Fuel.ELECTRICITY, 61000, wh_per_km=175, range_km=390, make="Renault"
)


def problem(trips, vehicles, candidates=(), **parameters) -> Problem:
    settings = {
        "period": {"start": DAY.isoformat(), "end": DAY.isoformat()},
        "co2_value_dkk_per_t": 0,
        "solver": {"time_limit_s": 60, "rel_gap": 0.0, "threads": 1},
        **parameters,
    }
    return Problem(list(trips), list(vehicles), list(candidates), Parameters.from_dict(settings))


def draw(tid: str) -> float:
    digest = hashlib.blake2b(tid.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def bike_trips_for(p: Problem, group: str = "cykel") -> set[str]:
    """Trip ids whose single-trip block the group may serve (engine eligibility)."""
    prepared = prepare(p)
    out = set()
    for pool in prepared.pools:
        g = next(i for i, grp in enumerate(pool.groups) if grp.gid == group)
        for b in range(len(pool.blocks)):
            members = pool.blocks.trip_order[pool.blocks.ptr[b] : pool.blocks.ptr[b + 1]]
            if pool.eligible[b, g]:
                out |= {prepared.trips.ids[i] for i in members}
    return out


# --------------------------------------------------------------------------- parameters
def test_defaults_and_round_trip():
    p = Parameters()
    assert p.allocation == AllocationSettings(bike_share_pct=50.0, keep_type_locations=())
    given = {"allocation": {"bike_share_pct": 30, "keep_type_locations": ["Syd", "Nord", "Syd"]}}
    read = Parameters.from_dict(given)
    assert read.allocation == AllocationSettings(30.0, ("Nord", "Syd"))
    assert read.to_dict()["allocation"] == {
        "bike_share_pct": 30.0,
        "keep_type_locations": ["Nord", "Syd"],
    }
    assert Parameters.from_dict(read.to_dict()) == read
    # one key alone keeps the other's default
    assert Parameters.from_dict({"allocation": {"bike_share_pct": 0}}).allocation == (
        AllocationSettings(0.0, ())
    )


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"allocation": {"bike_share": 50}}, "allocation.'bike_share'"),
        ({"allocation": {"bike_share_pct": -1}}, "allocation.bike_share_pct"),
        ({"allocation": {"bike_share_pct": 100.5}}, "skal være mellem 0 og 100"),
        ({"allocation": {"bike_share_pct": float("nan")}}, "allocation.bike_share_pct"),
        ({"allocation": {"bike_share_pct": "50"}}, "allocation.bike_share_pct"),
        ({"allocation": {"keep_type_locations": "Nord"}}, "allocation.keep_type_locations"),
        ({"allocation": {"keep_type_locations": ["Nord", ""]}}, "keep_type_locations[1]"),
        ({"allocation": {"keep_type_locations": [3]}}, "keep_type_locations[0]"),
        ({"allocation": []}, "allocation"),
    ],
)
def test_bad_allocation_values_name_the_key(given, named):
    with pytest.raises(EngineError, match=named.replace("[", r"\[").replace(".", r"\.")):
        Parameters.from_dict(given)


def test_unknown_keep_type_location_is_an_error_naming_it():
    p = problem(
        [trip("a", "Y1", "08:00", "08:30", 5)],
        [yaris("Y1")],
        allocation={"keep_type_locations": ["Hjemmeplejen Nord"]},
    )
    with pytest.raises(EngineError, match="ukendt lokation 'Hjemmeplejen Nord'"):
        prepare(p)
    # a location named in a pool is known even without trips or vehicles
    pooled = problem(
        [trip("a", "Y1", "08:00", "08:30", 5)],
        [yaris("Y1")],
        pools=[["Nord", "Syd"]],
        allocation={"keep_type_locations": ["Syd"]},
    )
    prepare(pooled)


# --------------------------------------------------------------------------- the share
BIKE_TRIPS = [  # all within the bike limits, driven today by the Yaris
    trip(tid, "Y1", f"{8 + i}:00", f"{8 + i}:30", 5) for i, tid in enumerate("abcde")
]


@pytest.mark.parametrize(
    ("share", "expected"),
    [(0, set()), (25, set("ce")), (50, set("ace")), (60, set("abce")), (100, set("abcde"))],
)
def test_share_picks_the_trips_whose_draw_is_below_it(share, expected):
    p = problem(BIKE_TRIPS, [yaris("Y1")], [BIKE_CANDIDATE], allocation={"bike_share_pct": share})
    assert bike_trips_for(p) == expected
    assert expected == {t.trip_id for t in BIKE_TRIPS if draw(t.trip_id) < share / 100}


def test_one_share_for_bikes_and_ebikes():
    p = problem(
        BIKE_TRIPS, [yaris("Y1")], [BIKE_CANDIDATE, EBIKE_CANDIDATE],
        allocation={"bike_share_pct": 50},
    )  # fmt: skip
    assert bike_trips_for(p, "cykel") == bike_trips_for(p, "elcykel") == {"a", "c", "e"}
    # cars are not limited by the share
    p = problem(BIKE_TRIPS, [yaris("Y1")], [ZOE_CANDIDATE], allocation={"bike_share_pct": 0})
    assert bike_trips_for(p, "zoe") == set("abcde")


def test_trips_ridden_today_always_count():
    trips = [trip("b", "B1", "08:00", "08:30", 5), trip("d", "Y1", "10:00", "10:30", 5)]
    p = problem(
        trips, [bike("B1"), yaris("Y1")], [EBIKE_CANDIDATE], allocation={"bike_share_pct": 0}
    )
    assert bike_trips_for(p, "elcykel") == {"b"}
    assert bike_trips_for(p, "Nord/Batavus Cykel none 2000") == {"b"}


def test_physical_limits_still_apply_at_100_pct():
    trips = [trip("a", "Y1", "08:00", "08:30", 16), trip("c", "Y1", "16:00", "16:30", 5)]
    p = problem(trips, [yaris("Y1")], [BIKE_CANDIDATE], allocation={"bike_share_pct": 100})
    assert bike_trips_for(p) == set()  # too long; outside the 07:00-15:30 window


def test_the_draw_is_the_documented_one():
    for tid in ["a", "T1", "Åbenrå-17", "42", "x" * 300]:
        digest = hashlib.blake2b(tid.encode("utf-8"), digest_size=8).digest()
        assert bike_draw(tid) == int.from_bytes(digest, "big")
    # stable across processes and versions: a fixed value, not Python's salted hash()
    assert bike_draw("a") == 4681665781835383343


def random_trips(rng: random.Random, n: int, prefix: str) -> list[Trip]:
    out = []
    for i in range(n):
        start = rng.randrange(7 * 60, 14 * 60)
        day = DAY + timedelta(days=rng.randrange(3))
        begin = datetime(day.year, day.month, day.day, tzinfo=CPH) + timedelta(minutes=start)
        out.append(Trip(f"{prefix}{i}", "Y1", "Nord", begin, begin + timedelta(minutes=40), 4.0))
    return out


def test_acceptability_ignores_trip_order_and_other_trips():
    rng = random.Random(7)
    trips = random_trips(rng, 60, "trip-")
    period = {"period": {"start": DAY.isoformat(), "end": (DAY + timedelta(days=3)).isoformat()}}
    base = bike_trips_for(
        problem(trips, [yaris("Y1")], [BIKE_CANDIDATE], **period, allocation={"bike_share_pct": 40})
    )
    assert 10 < len(base) < 40  # the share bites
    for _ in range(3):
        shuffled = trips[:]
        rng.shuffle(shuffled)
        p = problem(
            shuffled, [yaris("Y1")], [BIKE_CANDIDATE], **period, allocation={"bike_share_pct": 40}
        )
        assert bike_trips_for(p) == base
    # drop half of the trips, add others, move the rest in time: each kept trip's answer stays
    kept = [replace(t, start=t.start + timedelta(minutes=7), end=t.end + timedelta(minutes=7))
            for t in trips[::2]]  # fmt: skip
    others = random_trips(rng, 40, "other-")
    p = problem(
        kept + others, [yaris("Y1")], [BIKE_CANDIDATE], **period,
        allocation={"bike_share_pct": 40},
    )  # fmt: skip
    chosen = bike_trips_for(p)
    assert {t for t in chosen if t.startswith("trip-")} == base & {t.trip_id for t in kept}


def test_the_comparison_is_exact_next_to_a_draw():
    """Shares one float step around a trip's draw: ridden exactly when draw / 2**64 <
    share / 100 as fractions (the engine rounds nothing)."""
    p = problem([trip(t, "Y1", "08:00", "08:30", 5) for t in "abcde"], [yaris("Y1")])
    prepared = prepare(p)
    for tid in "abcde":
        near = bike_draw(tid) * 100 / 2**64
        for share in (np.nextafter(near, 0), near, np.nextafter(near, 100)):
            params = replace(prepared.params, allocation=AllocationSettings(float(share)))
            want = Fraction(bike_draw(tid), 2**64) < Fraction(float(share)) / 100
            got = bike_acceptable(prepared.trips, params)[prepared.trips.ids.index(tid)]
            assert bool(got) == want, (tid, share)


def test_shift_block_goes_to_a_bike_only_if_every_trip_would_be_ridden():
    shifts = {"Nord": [["07:00", "15:00"], ["15:00", "23:00"], ["23:00", "07:00"]]}
    for second, expected in (("b", set()), ("c", {"a", "c"})):
        p = problem(
            [trip("a", "Y1", "08:00", "08:30", 5), trip(second, "Y1", "10:00", "10:30", 5)],
            [yaris("Y1")], [BIKE_CANDIDATE], shifts=shifts, allocation={"bike_share_pct": 50},
        )  # fmt: skip
        assert bike_trips_for(p) == expected


# --------------------------------------------------------------------------- keep-type
def test_keep_type_follows_the_home_location_in_a_pool():
    trips = [
        trip("a", "N1", "08:00", "08:30", 5),  # Nord keeps type: stays in a fossil car
        trip("c", "S1", "08:00", "08:30", 5, "Syd"),  # Syd does not: may go to a bike
        trip("e", "NB", "09:00", "09:30", 5),  # Nord, ridden today on a bike: stays a bike
        trip("x0", None, "11:00", "11:30", 5),  # unknown vehicle: free
    ]
    vehicles = [yaris("N1"), yaris("S1", "Syd"), bike("NB")]
    p = problem(
        trips, vehicles, [BIKE_CANDIDATE, ZOE_CANDIDATE], pools=[["Nord", "Syd"]],
        allocation={"bike_share_pct": 100, "keep_type_locations": ["Nord"]},
        unserved={"must_serve_above_km": 1},
    )  # fmt: skip
    assert bike_trips_for(p, "cykel") == {"c", "e", "x0"}
    assert bike_trips_for(p, "zoe") == {"c", "x0"}
    assert bike_trips_for(p, "Syd/Toyota Yaris petrol 47000") == {"a", "c", "x0"}
    result = optimise(p, alternatives=False)
    assert not validate(p, result)
    assert result.plan["a"] == "N1"  # the Yaris at Nord, by its vehicle id


def test_keep_type_with_an_unchanged_fleet_keeps_every_trip_on_its_type():
    trips = [trip(t, "Y1" if i % 2 else "B1", f"{8 + i}:00", f"{8 + i}:30", 5)
             for i, t in enumerate("abcde")]  # fmt: skip
    p = problem(
        trips, [yaris("Y1"), bike("B1")], [BIKE_CANDIDATE],
        allocation={"bike_share_pct": 100, "keep_type_locations": ["Nord"]},
        unserved={"must_serve_above_km": 1},
    )  # fmt: skip
    counts = [
        FleetCount("Nord", YARIS, 1),
        FleetCount("Nord", "Nord/Batavus Cykel none 2000", 1),
        FleetCount("Nord", "cykel", 2),
    ]
    result = simulate(p, counts)
    assert not validate(p, result)
    group_of = {u.vehicle: u.group for u in result.vehicles}
    for t in trips:
        want = {YARIS} if t.vehicle_id == "Y1" else {"Nord/Batavus Cykel none 2000", "cykel"}
        assert group_of.get(result.plan[t.trip_id]) in want, (t.trip_id, result.plan[t.trip_id])


# --------------------------------------------------------------------------- validator
def test_validator_names_each_trip_that_breaks_the_share():
    trips = [trip(t, "Y1", f"{8 + i}:00", f"{8 + i}:30", 5) for i, t in enumerate("ab")]
    free = problem(trips, [yaris("Y1")], [BIKE_CANDIDATE], allocation={"bike_share_pct": 100})
    result = simulate(free, [FleetCount("Nord", YARIS, 0), FleetCount("Nord", "cykel", 1)])
    assert set(result.plan.values()) == {"Ny cykel 1, Batavus, Nord"} and not validate(free, result)
    strict = replace(free, parameters=replace(free.parameters, allocation=AllocationSettings(50)))
    messages = validate(strict, result)
    assert len(messages) == 1, messages
    assert messages[0].startswith(
        "eligibility: trip b on Ny cykel 1, Batavus, Nord: not among the 50 %"
    )
    assert "allocation.bike_share_pct" in messages[0] and "0.5174" in messages[0]


def test_validator_names_each_trip_that_breaks_keep_type():
    trips = [trip("a", "Y1", "08:00", "08:30", 5), trip("c", "S1", "09:00", "09:30", 5, "Syd")]
    vehicles = [yaris("Y1"), yaris("S1", "Syd")]
    free = problem(
        trips, vehicles, [BIKE_CANDIDATE], pools=[["Nord", "Syd"]],
        allocation={"bike_share_pct": 100},
    )  # fmt: skip
    counts = [FleetCount("Nord+Syd", "cykel", 1)]
    result = simulate(free, counts)
    assert set(result.plan.values()) == {"Ny cykel 1, Batavus, Nord+Syd"}
    assert not validate(free, result)
    kept = AllocationSettings(100, ("Nord",))
    strict = replace(free, parameters=replace(free.parameters, allocation=kept))
    messages = validate(strict, result)
    assert messages == [
        "eligibility: trip a on Ny cykel 1, Batavus, Nord+Syd: location 'Nord' keeps today's"
        " vehicle type (allocation.keep_type_locations): driven today by Y1 (fossil), not by"
        " a bike"
    ]
    # the engine itself never breaks it
    assert not validate(strict, simulate(strict, counts))
