"""The independent validator accepts a correct hand-made result and catches each kind of break.

The scenario is small enough to compute by hand: one location "Nord", a week in March 2026
(s = 365 / 7), a locked petrol car, an EV, a bike and an e-bike candidate. Each broken result
changes one thing and must be reported under the check that owns it.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.engine.parameters import Parameters
from app.engine.types import (
    CandidateModel,
    FleetLine,
    Fuel,
    Problem,
    Result,
    Totals,
    Trip,
    Vehicle,
    VehicleType,
    VehicleUsage,
)
from app.engine.validate import assert_valid, validate

CPH = ZoneInfo("Europe/Copenhagen")
DAY = date(2026, 3, 2)  # a Monday, winter time (UTC+1)
SCALE = 365 / 7  # period 2-8 March counts both end dates

YARIS = "Nord/Yaris"
ZOE = "Nord/Zoe"
BIKE = "Nord/Cykel"
# the plan names current vehicles by vehicle_id and new ones by a Danish label
YARIS_1, ZOE_1, BIKE_1 = "V1", "V2", "V3"
YARIS_2 = "Ny benzinbil 1, Toyota Yaris, Nord"


def at(hhmm: str, day: date = DAY) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=CPH)


def trip(tid: str, vehicle: str, start: str, end: str, km: float, location: str = "Nord") -> Trip:
    return Trip(tid, vehicle, location, at(start), at(end), km)


VEHICLES = [
    Vehicle(
        "V1",
        "Nord",
        VehicleType.FOSSIL,
        Fuel.PETROL,
        47_000,
        km_per_litre=20,
        make="Toyota",
        model="Yaris",
        lease_end=date(2027, 6, 30),
    ),
    Vehicle(
        "V2",
        "Nord",
        VehicleType.EV,
        Fuel.ELECTRICITY,
        61_000,
        wh_per_km=175,
        range_km=100,
        make="Renault",
        model="Zoe",
        lease_end=date(2026, 1, 31),
    ),
    Vehicle("V3", "Nord", VehicleType.BIKE, Fuel.NONE, 2_000, make="Batavus", model="Cykel"),
]
CANDIDATES = [
    CandidateModel(
        "ebike",
        VehicleType.EBIKE,
        Fuel.ELECTRICITY,
        6_000,
        wh_per_km=10,
        max_count=1,
        make="Kildemoes",
        model="E-bike",
    )
]
TRIPS = [
    trip("T1", "V1", "08:00", "09:00", 10),
    trip("T2", "V1", "09:05", "10:00", 20),  # exactly the 5 min changeover after T1
    trip("T3", "V2", "08:30", "09:30", 60),
    trip("T4", "V3", "10:00", "11:00", 5),
    trip("T5", "V1", "16:00", "17:00", 8),
]
PERIOD = {"period": {"start": "2026-03-02", "end": "2026-03-08"}}


def problem(trips=None, vehicles=None, candidates=None, **parameters) -> Problem:
    return Problem(
        list(TRIPS if trips is None else trips),
        list(VEHICLES if vehicles is None else vehicles),
        list(CANDIDATES if candidates is None else candidates),
        Parameters.from_dict({**PERIOD, **parameters}),
    )


def hand_totals() -> Totals:
    """Today's trips on today's vehicles, worked out by hand from the spec."""
    litres = (10 + 20 + 8) / 20  # Yaris, 20 km/l
    kwh = 60 * 0.175  # Zoe, 175 Wh/km
    energy = SCALE * (litres * 12.33 + kwh * 2.13)
    co2e_t = SCALE * (litres * 2.52 + kwh * 0.089) / 1000
    fixed = 47_000 + 61_000 + 2_000
    return Totals(
        yearly_cost_dkk=fixed + energy,
        fixed_dkk=fixed,
        energy_dkk=energy,
        allowance_dkk=0.0,
        co2e_t=co2e_t,
        co2e_value_dkk=co2e_t * 1500,
        unserved_penalty_dkk=0.0,
        vehicles=3,
        trips=5,
        served_km=103.0,
        unserved_trips=0,
        unserved_km=0.0,
    )


def fleet(yaris=1, zoe=1, bike=1, ebike=0) -> list[FleetLine]:
    """Today's groups (one vehicle each) and the e-bike candidate at the given counts; a
    count above today's adds new vehicles, a count of 0 hands the vehicle in."""

    def names(vid: str, count: int, word: str, model: str) -> dict:
        kept = [vid] if count else []
        handed = [] if count else [{"vehicle_id": vid, "from": "2026-03-08"}]
        if vid == "V1" and not count:
            handed = [{"vehicle_id": vid, "from": "2027-06-30"}]  # locked: at its lease end
        new = [f"Ny {word} {n}, {model}, Nord" for n in range(1, count)]
        return {"vehicle_ids": kept, "handed_in": handed, "new_vehicles": new}

    return [
        FleetLine(
            "Nord",
            "Yaris",
            "Toyota Yaris",
            VehicleType.FOSSIL,
            Fuel.PETROL,
            yaris,
            1,
            1,
            yearly_cost_dkk=47_000,
            **names("V1", yaris, "benzinbil", "Toyota Yaris"),
        ),
        FleetLine(
            "Nord",
            "Zoe",
            "Renault Zoe",
            VehicleType.EV,
            Fuel.ELECTRICITY,
            zoe,
            1,
            0,
            yearly_cost_dkk=61_000,
            **names("V2", zoe, "elbil", "Renault Zoe"),
        ),
        FleetLine(
            "Nord",
            "Cykel",
            "Batavus Cykel",
            VehicleType.BIKE,
            Fuel.NONE,
            bike,
            1,
            0,
            yearly_cost_dkk=2_000,
            **names("V3", bike, "cykel", "Batavus Cykel"),
        ),
        FleetLine(
            "Nord",
            "ebike",
            "Kildemoes E-bike",
            VehicleType.EBIKE,
            Fuel.ELECTRICITY,
            ebike,
            0,
            0,
            max_count=1,
            yearly_cost_dkk=6_000,
            candidate=True,
            new_vehicles=[f"Ny elcykel {n}, Kildemoes E-bike, Nord" for n in range(1, ebike + 1)],
        ),
    ]


def usage(name, group, vtype, fuel, trips, km, fixed, energy_per_km_dkk) -> VehicleUsage:
    energy = SCALE * km * energy_per_km_dkk
    return VehicleUsage(
        name,
        "Nord",
        group,
        vtype,
        fuel,
        trips,
        km,
        km * SCALE,
        busy_hours=0,
        utilisation_pct=0,
        co2e_t=0,
        fixed_dkk=fixed,
        energy_dkk=energy,
        total_dkk=fixed + energy,
    )


def good_result(operation: str = "simulate") -> Result:
    totals = hand_totals()
    return Result(
        operation=operation,
        status="optimal",
        objective=totals.objective_dkk,
        best_bound=totals.objective_dkk,
        gap=0.0,
        totals=totals,
        fleet=fleet(),
        plan={
            "T1": YARIS_1,
            "T2": YARIS_1,
            "T3": ZOE_1,
            "T4": BIKE_1,
            "T5": YARIS_1,
        },
        vehicles=[
            usage(YARIS_1, "Yaris", VehicleType.FOSSIL, Fuel.PETROL, 3, 38.0, 47_000, 12.33 / 20),
            usage(ZOE_1, "Zoe", VehicleType.EV, Fuel.ELECTRICITY, 1, 60.0, 61_000, 0.175 * 2.13),
            usage(BIKE_1, "Cykel", VehicleType.BIKE, Fuel.NONE, 1, 5.0, 2_000, 0.0),
        ],
    )


def checks(messages: list[str]) -> set[str]:
    return {m.split(":", 1)[0] for m in messages}


def moved(result: Result, **plan: str | None) -> Result:
    """The result with some trips moved; usage lines dropped so only the plan speaks."""
    broken = copy.deepcopy(result)
    broken.plan.update(plan)
    broken.vehicles = []
    return broken


# ---------------------------------------------------------------------------- accepted
def test_hand_made_correct_result_is_valid():
    assert validate(problem(), good_result()) == []
    assert_valid(problem(), good_result("optimise"))


def test_baseline_as_driven_is_valid():
    result = good_result("baseline")
    result.plan = {"T1": "V1", "T2": "V1", "T3": "V2", "T4": "V3", "T5": "V1"}
    result.fleet, result.vehicles = [], []
    assert validate(problem(), result) == []


def test_limits_are_inclusive():
    trips = [
        trip("T1", "V1", "08:00", "09:00", 10),
        trip("T2", "V1", "09:05", "10:00", 20),
        trip("T3", "V2", "08:30", "09:30", 70),  # derated range 100 x 0.7 = 70 km exactly
        trip("T4", "V3", "15:00", "15:30", 10),  # bike 10 km at 20 km/h = 30 min, window end
        trip("T5", "V1", "16:00", "17:00", 8),
    ]
    result = moved(good_result())
    messages = validate(problem(trips), result)
    assert not checks(messages) - {"totals"}, messages


def test_an_empty_infeasible_result_is_accepted():
    result = Result(operation="optimise", status="infeasible", plan={})
    assert validate(problem(), result) == []


# ---------------------------------------------------------------------------- plan breaks
def test_missing_and_unknown_trips_are_caught():
    result = good_result()
    del result.plan["T5"]
    result.plan["T99"] = YARIS_1
    messages = validate(problem(), result)
    assert any("T5 is missing" in m for m in messages)
    assert any("unknown trip 'T99'" in m for m in messages)


def test_overlap_on_one_vehicle_is_caught():
    messages = validate(problem(), moved(good_result(), T3=YARIS_1))
    assert "timing" in checks(messages)


def test_changeover_is_enforced():
    messages = validate(problem(changeover_minutes=10), good_result())
    assert "timing" in checks(messages)
    assert any("T2" in m for m in messages if m.startswith("timing"))


def test_ev_beyond_derated_range_is_caught():
    trips = [*TRIPS[:2], trip("T3", "V2", "08:30", "09:30", 70.5), *TRIPS[3:]]
    assert "eligibility" in checks(validate(problem(trips), good_result()))


def test_bike_beyond_max_km_is_caught():
    trips = [*TRIPS[:3], trip("T4", "V3", "10:00", "11:00", 15.5), TRIPS[4]]
    assert "eligibility" in checks(validate(problem(trips), good_result()))


def test_bike_outside_window_is_caught():
    trips = [*TRIPS[:3], trip("T4", "V3", "15:00", "15:31", 5), TRIPS[4]]
    assert "eligibility" in checks(validate(problem(trips), good_result()))


def test_bike_windows_are_local_time():
    # 14:00-14:30 UTC is 15:00-15:30 in Copenhagen: inside 07:00-15:30.
    inside = Trip(
        "T4",
        "V3",
        "Nord",
        datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 14, 30, tzinfo=UTC),
        5,
    )
    # 14:05-14:35 UTC looks inside the window in UTC, but is 15:05-15:35 local.
    outside = replace(
        inside, start=inside.start.replace(minute=5), end=inside.end.replace(minute=35)
    )
    ok = validate(problem([*TRIPS[:3], inside, TRIPS[4]]), good_result())
    assert "eligibility" not in checks(ok), ok
    assert "eligibility" in checks(
        validate(problem([*TRIPS[:3], outside, TRIPS[4]]), good_result())
    )


def test_bike_too_slow_for_the_trip_is_caught():
    # 12 km at 20 km/h takes 36 min; the trip lasts 30.
    trips = [*TRIPS[:3], trip("T4", "V3", "10:00", "10:30", 12), TRIPS[4]]
    assert "eligibility" in checks(validate(problem(trips), good_result()))


def test_trip_of_another_pool_is_caught():
    trips = [*TRIPS, trip("T6", None, "18:00", "19:00", 5, location="Syd")]
    result = moved(good_result(), T6=YARIS_1)
    assert "eligibility" in checks(validate(problem(trips), result))


def test_ev_daily_energy_is_enforced():
    # Derated range 70 km; two 40 km trips with a 20 min stop (< 30 min charging) run out.
    short_stop = [trip("T1", "V2", "08:00", "09:00", 40), trip("T2", "V2", "09:20", "10:20", 40)]
    result = Result(
        "simulate",
        "optimal",
        fleet=fleet(yaris=1, zoe=1, bike=0),
        plan={"T1": ZOE_1, "T2": ZOE_1},
    )
    assert "ev_energy" in checks(validate(problem(short_stop), result))
    # A 60 min stop at 11 kW recharges 11 kWh = 62.9 km: enough.
    long_stop = [short_stop[0], trip("T2", "V2", "10:00", "11:00", 40)]
    assert "ev_energy" not in checks(validate(problem(long_stop), result))


def test_more_vehicles_than_the_count_is_caught():
    result = moved(good_result(), T5=YARIS_2)
    assert "vehicles" in checks(validate(problem(), result))  # a name of no fleet line
    result.fleet[0].new_vehicles = [YARIS_2]  # listed, but the count stays 1
    messages = validate(problem(), result)
    assert "counts" in checks(messages) and "names" in checks(messages)


def test_optimise_bounds_are_enforced():
    result = moved(good_result("optimise"), T1=ZOE_1, T2=None, T5=ZOE_1)
    result.fleet = fleet(yaris=0, ebike=2)  # locked Yaris dropped, 2 > max_count 1
    bounds = [m for m in validate(problem(), result) if m.startswith("bounds")]
    assert any("locked" in m for m in bounds) and any("max_count" in m for m in bounds)
    result.fleet = fleet(zoe=2)  # more Zoes than today
    assert any("current" in m for m in validate(problem(), result) if m.startswith("bounds"))


def test_leases_ending_on_the_decision_date_are_not_locked():
    vehicles = [replace(VEHICLES[0], lease_end=date(2026, 3, 8)), *VEHICLES[1:]]
    result = good_result("optimise")
    result.fleet[0].locked_count = 0
    assert "fleet" not in checks(validate(problem(vehicles=vehicles), result))
    result.fleet[0].locked_count = 1  # strictly after the decision date only
    assert "fleet" in checks(validate(problem(vehicles=vehicles), result))


def test_unserved_rules_are_enforced():
    result = moved(good_result(), T2=None)
    must_serve = validate(problem(unserved={"must_serve_above_km": 15}), result)
    assert "unserved" in checks(must_serve)
    at_most_zero = validate(problem(unserved={"max_trips_per_pool": 0}), result)
    assert "unserved" in checks(at_most_zero)
    exactly_limit = validate(problem(unserved={"must_serve_above_km": 20}), result)
    assert "unserved" not in checks(exactly_limit)


def test_shift_blocks_stay_on_one_vehicle_for_the_whole_shift():
    shifts = {"shifts": {"Nord": [["07:00", "15:00"], ["15:00", "23:00"], ["23:00", "07:00"]]}}
    split = moved(good_result(), T2=YARIS_2)
    split.fleet = fleet(yaris=2)
    assert "shifts" in checks(validate(problem(**shifts), split))
    # Another crew's trip inside V1's day shift on the same car: the crew keeps the car.
    trips = [*TRIPS, trip("T6", "V2", "13:00", "13:30", 5)]
    shared = moved(good_result(), T6=YARIS_1)
    assert "timing" in checks(validate(problem(trips, **shifts), shared))
    assert "timing" not in checks(validate(problem(trips), shared))


# ---------------------------------------------------------------------------- totals
@pytest.mark.parametrize(
    "field, wrong",
    [
        ("fixed_dkk", 109_000.0),
        ("energy_dkk", 100.0),
        ("co2e_t", 1.0),
        ("co2e_value_dkk", 0.0),
        ("unserved_penalty_dkk", 5.0),
        ("vehicles", 4),
        ("trips", 6),
        ("served_km", 100.0),
        ("unserved_trips", 1),
    ],
)
def test_each_wrong_total_is_caught(field, wrong):
    result = good_result()
    setattr(result.totals, field, wrong)
    assert any(m.startswith(f"totals: {field} ") for m in validate(problem(), result))


def test_scale_counts_both_end_dates():
    result = good_result()
    wrong_scale = 365 / 6  # forgot one end date
    result.totals.energy_dkk *= wrong_scale / SCALE
    assert any("energy_dkk" in m for m in validate(problem(), result))


def test_unserved_trip_costs_allowance_and_own_car_co2e():
    result = moved(good_result(), T2=None)
    expected = hand_totals()
    litres = (10 + 8) / 20
    kwh = 60 * 0.175
    expected.energy_dkk = SCALE * (litres * 12.33 + kwh * 2.13)
    expected.allowance_dkk = SCALE * 20 * 3.94
    expected.yearly_cost_dkk = expected.fixed_dkk + expected.energy_dkk + expected.allowance_dkk
    own_car_kg = 20 / 18 * 2.52
    expected.co2e_t = SCALE * (litres * 2.52 + kwh * 0.089 + own_car_kg) / 1000
    expected.co2e_value_dkk = expected.co2e_t * 1500
    expected.unserved_penalty_dkk = SCALE * 100
    expected.served_km, expected.unserved_trips, expected.unserved_km = 83.0, 1, 20.0
    result.totals = expected
    result.objective = result.best_bound = expected.objective_dkk
    assert validate(problem(unserved={"penalty_dkk_per_trip": 100}), result) == []


def test_objective_must_match_totals():
    result = good_result()
    result.objective += 50
    assert "objective" in checks(validate(problem(), result))


@pytest.mark.parametrize(
    "field, wrong",
    [("trips", 2), ("km", 37.0), ("km_per_year", 38.0), ("fixed_dkk", 0.0), ("energy_dkk", 1.0)],
)
def test_wrong_vehicle_usage_is_caught(field, wrong):
    result = good_result()
    setattr(result.vehicles[0], field, wrong)
    assert any(
        m.startswith("vehicles:") and field.split("_")[0] in m for m in validate(problem(), result)
    )


def test_baseline_on_the_wrong_vehicle_is_caught():
    result = good_result("baseline")
    result.plan = {"T1": "V1", "T2": "V2", "T3": "V2", "T4": "V3", "T5": "V1"}
    result.fleet, result.vehicles = [], []
    assert "baseline" in checks(validate(problem(), result))
