"""Each model feature on a small case whose optimum is computed by hand.

Common ground: location Nord, a one-day period (2026-03-03, so s = 365), CO2 value 0 unless
a test says otherwise, petrol 12.33 DKK/l, electricity 2.13 DKK/kWh, own car 3.94 DKK/km.
Every result also passes the independent validator.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.engine import (
    Cancelled,
    CandidateModel,
    FleetCount,
    Fuel,
    Parameters,
    Problem,
    Trip,
    Vehicle,
    VehicleType,
    baseline,
    optimise,
    simulate,
)
from app.engine.validate import assert_valid

CPH = ZoneInfo("Europe/Copenhagen")
DAY = date(2026, 3, 3)
S = 365.0
PETROL_PER_KM = 12.33 / 20  # Yaris, 20 km/l
EV_PER_KM = 0.175 * 2.13  # Zoe, 175 Wh/km
OWN_CAR_PER_KM = 3.94
YARIS = "Nord/Toyota Yaris petrol 47000"


def at(hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(DAY.year, DAY.month, DAY.day, hours, minutes, tzinfo=CPH)


def trip(tid: str, start: str, end: str, km: float, vehicle="Y1", location="Nord") -> Trip:
    return Trip(tid, vehicle, location, at(start), at(end), km)


def yaris(vid="Y1", location="Nord", lease_end=None) -> Vehicle:
    return Vehicle(
        vid, location, VehicleType.FOSSIL, Fuel.PETROL, 47000, km_per_litre=20,
        make="Toyota", model="Yaris", lease_end=lease_end,
    )  # fmt: skip


def zoe(vid="Z1", range_km=390.0, lease_end=None) -> Vehicle:
    return Vehicle(
        vid, "Nord", VehicleType.EV, Fuel.ELECTRICITY, 61000, wh_per_km=175, range_km=range_km,
        make="Renault", model="Zoe", lease_end=lease_end,
    )  # fmt: skip


def bike(vid="B1") -> Vehicle:
    return Vehicle(vid, "Nord", VehicleType.BIKE, Fuel.NONE, 2000, make="Batavus", model="Cykel")


YARIS_CANDIDATE = CandidateModel(
    "yaris", VehicleType.FOSSIL, Fuel.PETROL, 47000, km_per_litre=20, make="Toyota"
)
ZOE_CANDIDATE = CandidateModel(
    "zoe", VehicleType.EV, Fuel.ELECTRICITY, 61000, wh_per_km=175, range_km=390, make="Renault"
)


def problem(trips, vehicles, candidates=(), **parameters) -> Problem:
    settings = {"period": {"start": DAY.isoformat(), "end": DAY.isoformat()}}
    settings["co2_value_dkk_per_t"] = 0
    settings["solver"] = {"time_limit_s": 60, "rel_gap": 0.0, "threads": 1}
    settings.update(parameters)
    return Problem(list(trips), list(vehicles), list(candidates), Parameters.from_dict(settings))


def counts_of(result) -> dict[tuple[str, str], int]:
    return {(line.pool, line.group): line.count for line in result.fleet if line.count}


def checked(p: Problem, result):
    assert_valid(p, result)
    return result


# --------------------------------------------------------------------------- bikes
def test_bike_window_speed_and_max_km_are_inclusive():
    p = problem(
        [
            trip("a", "07:00", "07:30", 10.0),  # 10 km at 20 km/h = 30 min: just rideable
            trip("b", "14:30", "15:30", 15.0),  # ends on the window's end, 15 km = max
            trip("c", "09:00", "09:20", 10.0),  # 30 min needed, 20 min given
            trip("d", "15:00", "15:31", 3.0),  # ends after the window
            trip("e", "10:00", "11:00", 15.1),  # too long
        ],
        [bike()],
        # every rideable trip is ridden: this test is about the physical limits, not the share
        allocation={"bike_share_pct": 100},
    )
    result = checked(p, simulate(p, [FleetCount("Nord", "Nord/Batavus Cykel none 2000", 1)]))
    assert {t for t, v in result.plan.items() if v} == {"a", "b"}
    unserved_km = 10.0 + 3.0 + 15.1
    assert result.status == "optimal"
    assert result.objective == pytest.approx(2000 + S * unserved_km * OWN_CAR_PER_KM)


def test_ebike_uses_its_own_speed_and_window():
    ebike = CandidateModel("ebike", VehicleType.EBIKE, Fuel.ELECTRICITY, 6000, wh_per_km=10)
    p = problem(
        [trip("a", "09:00", "09:20", 10.0)],  # 20 min: too slow for a bike, fine at 30 km/h
        [],
        [ebike],
        ebike={"windows": [["08:00", "10:00"]]},
        unserved={"must_serve_above_km": 5},
    )
    result = checked(p, optimise(p, alternatives=False))
    assert counts_of(result) == {("Nord", "ebike"): 1}
    assert result.objective == pytest.approx(6000 + S * 10 * 0.010 * 2.13)


# --------------------------------------------------------------------------- EV range
def test_ev_serves_up_to_the_derated_range_inclusive():
    p = problem(
        [trip("a", "08:00", "09:00", 70.0), trip("b", "13:00", "14:00", 70.1)],
        [zoe(range_km=100.0)],  # 100 km WLTP, 30 % winter derating: 70 km
    )
    result = checked(p, simulate(p, [FleetCount("Nord", "Nord/Renault Zoe electricity 61000", 1)]))
    assert result.plan["a"] is not None and result.plan["b"] is None
    assert result.objective == pytest.approx(61000 + S * (70 * EV_PER_KM + 70.1 * OWN_CAR_PER_KM))


def test_ev_daily_energy_splits_trips_over_two_vehicles():
    # 80 km x 0.7 = 56 km; 2 x 35 km with a 20 min stop (no charging) do not fit one charge.
    # The Zoe's lease is locked, so it drives one trip and a Yaris is added for the other.
    p = problem(
        [trip("a", "08:00", "09:00", 35.0), trip("b", "09:20", "10:20", 35.0)],
        [zoe(range_km=80.0, lease_end=date(2027, 1, 1))],
        [YARIS_CANDIDATE],
        unserved={"must_serve_above_km": 1},
    )
    result = checked(p, optimise(p, alternatives=False))
    assert result.status == "optimal"
    assert counts_of(result) == {
        ("Nord", "Nord/Renault Zoe electricity 61000"): 1,
        ("Nord", "yaris"): 1,
    }
    assert result.objective == pytest.approx(61000 + 47000 + S * 35 * (EV_PER_KM + PETROL_PER_KM))


# --------------------------------------------------------------------------- timing
@pytest.mark.parametrize(("second_start", "vehicles"), [("09:04", 2), ("09:05", 1)])
def test_changeover_decides_whether_one_vehicle_suffices(second_start, vehicles):
    p = problem(
        [trip("a", "08:00", "09:00", 10.0), trip("b", second_start, "10:00", 10.0)],
        [],
        [YARIS_CANDIDATE],
        unserved={"must_serve_above_km": 5},
    )
    result = checked(p, optimise(p, alternatives=False))
    assert counts_of(result) == {("Nord", "yaris"): vehicles}
    assert result.objective == pytest.approx(vehicles * 47000 + S * 20 * PETROL_PER_KM)


def test_shift_block_keeps_its_car_for_the_whole_shift():
    shifts = {"Nord": [["07:00", "15:00"], ["15:00", "23:00"], ["23:00", "07:00"]]}
    trips = [trip("a", "08:00", "09:00", 10.0, "A"), trip("b", "10:00", "11:00", 10.0, "B")]
    vehicles = [yaris("A"), yaris("B")]
    p = problem(trips, vehicles, shifts=shifts)
    result = checked(p, simulate(p, [FleetCount("Nord", YARIS, 1)]))
    assert sum(v is not None for v in result.plan.values()) == 1
    assert result.objective == pytest.approx(47000 + S * 10 * (PETROL_PER_KM + OWN_CAR_PER_KM))
    # without shifts the two trips share the car
    p = problem(trips, vehicles)
    result = checked(p, simulate(p, [FleetCount("Nord", YARIS, 1)]))
    assert result.objective == pytest.approx(47000 + S * 20 * PETROL_PER_KM)


# --------------------------------------------------------------------------- leases
def test_leases_ending_after_the_decision_date_are_locked():
    p = problem(
        [trip("a", "08:00", "08:10", 1.0)],
        [yaris("Y1", lease_end=date(2026, 6, 30)), yaris("Y2", lease_end=date(2026, 3, 31))],
        decision_date="2026-03-31",
    )
    result = checked(p, optimise(p, alternatives=False))
    line = next(line for line in result.fleet if line.group == YARIS)
    assert (line.count, line.current_count, line.locked_count) == (1, 2, 1)
    # the locked car is paid anyway, so it drives the trip
    assert result.objective == pytest.approx(47000 + S * 1 * PETROL_PER_KM)


# --------------------------------------------------------------------------- pools
@pytest.mark.parametrize(("pools", "vehicles"), [([], 2), ([["Nord", "Syd"]], 1)])
def test_pooled_locations_share_vehicles(pools, vehicles):
    p = problem(
        [trip("n", "08:00", "09:00", 10.0), trip("s", "10:00", "11:00", 10.0, location="Syd")],
        [],
        [YARIS_CANDIDATE],
        pools=pools,
        unserved={"must_serve_above_km": 5},
    )
    result = checked(p, optimise(p, alternatives=False))
    assert sum(counts_of(result).values()) == vehicles
    if pools:
        assert {line.pool for line in result.fleet} == {"Nord+Syd"}
    assert result.objective == pytest.approx(vehicles * 47000 + S * 20 * PETROL_PER_KM)


# --------------------------------------------------------------------------- targets
def target_problem() -> Problem:
    return problem(
        [trip("a", "08:00", "09:00", 10.0)],
        [yaris()],
        [ZOE_CANDIDATE],
        unserved={"must_serve_above_km": 5},
    )


def test_co2e_target_at_least_cost():
    p = target_problem()
    today = baseline(p)
    assert today.totals.co2e_t == pytest.approx(S * 10 * 2.52 / 20 / 1000)
    cheapest = checked(p, optimise(p, alternatives=False))
    assert counts_of(cheapest) == {("Nord", YARIS): 1}
    result = checked(p, optimise(p, co2_target_pct=50))
    assert result.status == "optimal"
    assert counts_of(result) == {("Nord", "zoe"): 1}
    assert result.totals.co2e_t == pytest.approx(S * 10 * 0.175 * 0.089 / 1000)
    assert result.totals.yearly_cost_dkk == pytest.approx(61000 + S * 10 * EV_PER_KM)


def test_unreachable_co2e_target_is_reported_in_danish():
    p = target_problem()
    result = checked(p, optimise(p, co2_target_pct=100))
    assert result.status == "unreachable"
    assert "kan ikke nås" in result.message
    assert all(v is None for v in result.plan.values())
    # it says what can be reached: the greenest fleet's CO2e, above the 0 t asked for
    assert result.target.kind == "co2e" and not result.target.met
    assert result.target.limit == pytest.approx(0.0)
    assert result.target.reachable is not None and result.target.reachable > 0


def test_budget_at_least_co2e():
    p = target_problem()
    zoe_cost = 61000 + S * 10 * EV_PER_KM
    yaris_cost = 47000 + S * 10 * PETROL_PER_KM
    result = checked(p, optimise(p, budget_dkk=zoe_cost + 1))
    assert counts_of(result) == {("Nord", "zoe"): 1}
    result = checked(p, optimise(p, budget_dkk=zoe_cost - 1))
    assert counts_of(result) == {("Nord", YARIS): 1}
    assert result.totals.yearly_cost_dkk == pytest.approx(yaris_cost)
    result = checked(p, optimise(p, budget_dkk=1000))
    assert result.status == "unreachable"
    assert "Budgettet" in result.message
    assert result.target.reachable == pytest.approx(yaris_cost)  # the cheapest fleet


# --------------------------------------------------------------------------- unserved rules
def overlapping_short_trips() -> list[Trip]:
    return [trip(x, "08:00", "09:00", 2.0) for x in "abc"]


def test_unserved_trips_go_to_own_cars_when_cheaper():
    p = problem(overlapping_short_trips(), [yaris()])
    result = checked(p, optimise(p, alternatives=False))
    assert result.totals.vehicles == 0
    assert result.totals.unserved_trips == 3
    assert result.objective == pytest.approx(3 * S * 2 * OWN_CAR_PER_KM)
    assert result.totals.allowance_dkk == pytest.approx(3 * S * 2 * OWN_CAR_PER_KM)


def test_max_unserved_trips_per_pool_forces_vehicles():
    p = problem(
        overlapping_short_trips(), [yaris()], [YARIS_CANDIDATE], unserved={"max_trips_per_pool": 1}
    )
    result = checked(p, optimise(p, alternatives=False))
    assert result.totals.unserved_trips == 1
    assert result.totals.vehicles == 2
    assert result.objective == pytest.approx(
        2 * 47000 + S * (4 * PETROL_PER_KM + 2 * OWN_CAR_PER_KM)
    )
    # without the candidate only one car may exist: the rule cannot be met
    p = problem(overlapping_short_trips(), [yaris()], unserved={"max_trips_per_pool": 1})
    result = checked(p, optimise(p, alternatives=False))
    assert result.status == "infeasible"


def test_must_serve_is_strictly_above_the_limit():
    p = problem(
        [trip("a", "08:00", "09:00", 5.0), trip("b", "08:00", "09:00", 5.1)],
        [yaris()],
        unserved={"must_serve_above_km": 5},
    )
    result = checked(p, optimise(p, alternatives=False))
    assert result.plan["b"] is not None and result.plan["a"] is None


@pytest.mark.parametrize(("penalty", "served"), [(100.0, False), (200.0, True)])
def test_penalty_enters_the_objective_not_the_money(penalty, served):
    p = problem(
        [trip("a", "08:00", "09:00", 2.0)],
        [yaris()],
        unserved={"penalty_dkk_per_trip": penalty},
    )
    result = checked(p, optimise(p, alternatives=False))
    assert (result.plan["a"] is not None) == served
    if served:  # 47,000 + 450.05 beats 2,876.20 + 73,000
        assert result.objective == pytest.approx(47000 + S * 2 * PETROL_PER_KM)
        assert result.totals.unserved_penalty_dkk == 0
    else:  # 2,876.20 + 36,500 beats 47,450.05
        assert result.totals.unserved_penalty_dkk == pytest.approx(S * penalty)
        assert result.totals.yearly_cost_dkk == pytest.approx(S * 2 * OWN_CAR_PER_KM)
        assert result.objective == pytest.approx(S * (penalty + 2 * OWN_CAR_PER_KM))


def test_co2_value_is_part_of_the_objective():
    # the Zoe costs 14,000 DKK more a year; at 10 km/day it saves 0.4031 t CO2e a year
    p = problem(
        [trip("a", "08:00", "09:00", 10.0)],
        [],
        [YARIS_CANDIDATE, ZOE_CANDIDATE],
        unserved={"must_serve_above_km": 5},
        co2_value_dkk_per_t=40_000,
    )
    result = checked(p, optimise(p, alternatives=False))
    assert counts_of(result) == {("Nord", "zoe"): 1}
    co2e_t = S * 10 * 0.175 * 0.089 / 1000
    assert result.objective == pytest.approx(61000 + S * 10 * EV_PER_KM + 40_000 * co2e_t)


# --------------------------------------------------------------------------- operations
def test_alternatives_are_distinct_fleets():
    # 100 km a day: the Zoe costs 5,103 DKK more a year and saves 4.03 t CO2e; at a CO2
    # value of 0 the Yaris wins, from about 1,266 DKK/t the Zoe
    p = problem(
        [trip("a", "08:00", "10:00", 100.0)],
        [],
        [YARIS_CANDIDATE, ZOE_CANDIDATE],
        unserved={"must_serve_above_km": 5},
    )
    result = checked(p, optimise(p))
    assert counts_of(result) == {("Nord", "yaris"): 1}
    fleets = [
        tuple(sorted((f.group, f.count) for f in a.fleet if f.count)) for a in result.alternatives
    ]
    assert len(fleets) == len(set(fleets))
    assert (("zoe", 1),) in fleets  # a high CO2 value prefers the EV


def test_progress_and_cancel():
    p = target_problem()
    phases = []
    optimise(p, alternatives=False, progress=lambda pct, phase: phases.append((pct, phase)))
    texts = [phase for _, phase in phases]
    assert texts[0] == "Forbereder data"
    assert "Laver køreplan" in texts
    assert phases[-1][0] == 100
    with pytest.raises(Cancelled):
        optimise(p, should_cancel=lambda: True)


def test_deterministic_for_the_same_input():
    p = problem(
        overlapping_short_trips(), [yaris()], [YARIS_CANDIDATE], unserved={"max_trips_per_pool": 1}
    )
    first, second = optimise(p), optimise(p)
    assert first.plan == second.plan
    assert first.objective == second.objective
