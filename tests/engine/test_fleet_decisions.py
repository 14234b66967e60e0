"""Real fleet decisions: which current vehicles are kept and handed in, new vehicles' labels,
and lease km allowances, each on a case worked out by hand.

Common ground as in test_model_features: location Nord, one day (2026-03-03, s = 365),
CO2 value 0, petrol 12.33 DKK/l, Yaris 20 km/l, own car 3.94 DKK/km. Every result also
passes the independent validator.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date

import pytest

from app.engine import (
    CandidateModel,
    FleetCount,
    Fuel,
    VehicleType,
    baseline,
    optimise,
    simulate,
)
from app.engine.synthetic import Spec, generate
from app.engine.validate import assert_valid, validate
from tests.engine.test_bruteforce import random_problem
from tests.engine.test_model_features import (
    PETROL_PER_KM,
    YARIS,
    YARIS_CANDIDATE,
    S,
    problem,
    trip,
    yaris,
)

LOCKED = date(2027, 6, 30)  # after the decision date (the period end, 2026-03-03)


def fleet_line(result, group):
    return next(line for line in result.fleet if line.group == group)


# --------------------------------------------------------------------------- keep order
def keep_order_problem():
    """Six identical Yaris at Nord with the same allowance (one group): L locked; A and B
    leases ended (B later); O0, O1, O2 owned, O2 over its allowance in today's driving."""
    vehicles = [
        yaris("A", lease_end=date(2026, 2, 1)),
        yaris("B", lease_end=date(2026, 3, 1)),
        yaris("L", lease_end=LOCKED),
        yaris("O2"),
        yaris("O1"),
        yaris("O0"),
    ]
    vehicles = [replace(v, yearly_km_allowance=20_000) for v in vehicles]
    trips = [
        trip("t2", "08:00", "09:00", 80, vehicle="O2"),  # 29,200 km a year: 9,200 over
        trip("t0", "10:00", "11:00", 10, vehicle="O0"),  # 3,650 km a year: within
    ]
    return problem(trips, vehicles)


@pytest.mark.parametrize(
    ("count", "kept"),
    [
        (6, ["L", "O0", "O1", "O2", "B", "A"]),
        (4, ["L", "O0", "O1", "O2"]),  # owned counts as the latest lease end
        (2, ["L", "O0"]),  # owned ties: fewest km over the allowance today, then the id
        (5, ["L", "O0", "O1", "O2", "B"]),  # B's lease ended after A's
        (1, ["L"]),  # locked first
    ],
)
def test_keep_order_locked_latest_lease_end_fewest_km_over_then_id(count, kept):
    p = keep_order_problem()
    result = simulate(p, [FleetCount("Nord", YARIS, count)])
    assert_valid(p, result)
    line = fleet_line(result, YARIS)
    assert line.vehicle_ids == kept
    handed = [h["vehicle_id"] for h in line.handed_in]
    assert sorted(handed + kept) == ["A", "B", "L", "O0", "O1", "O2"]
    # not kept: handed in at the decision date (leases ended, or owned)
    assert all(h["from"] == "2026-03-03" for h in line.handed_in)
    assert set(result.plan.values()) - {None} <= set(kept)


def test_a_locked_vehicle_handed_in_goes_at_its_lease_end():
    p = keep_order_problem()
    result = simulate(p, [FleetCount("Nord", YARIS, 0)])
    assert_valid(p, result)
    line = fleet_line(result, YARIS)
    assert line.vehicle_ids == []
    assert {h["vehicle_id"]: h["from"] for h in line.handed_in}["L"] == "2027-06-30"


def test_optimise_hands_in_the_right_vehicles():
    """Two trips at once need two cars; the locked one and the owned one stay, the one
    whose lease ended goes back."""
    vehicles = [yaris("A", lease_end=date(2026, 1, 31)), yaris("L", lease_end=LOCKED), yaris("O")]
    trips = [trip("a", "08:00", "09:00", 60, "A"), trip("b", "08:30", "09:30", 60, "L")]
    p = problem(trips, vehicles)
    result = optimise(p, alternatives=False)
    assert_valid(p, result)
    line = fleet_line(result, YARIS)
    assert line.count == 2 and line.vehicle_ids == ["L", "O"]
    assert line.handed_in == [{"vehicle_id": "A", "from": "2026-03-03"}]
    assert set(result.plan.values()) == {"L", "O"}
    assert {u.vehicle for u in result.vehicles} == {"L", "O"}


def test_baseline_keeps_every_vehicle_by_its_id():
    p = keep_order_problem()
    result = baseline(p)
    line = fleet_line(result, YARIS)
    assert sorted(line.vehicle_ids) == ["A", "B", "L", "O0", "O1", "O2"]
    assert line.handed_in == [] and line.new_vehicles == []
    over = {u.vehicle: u.km_over_allowance for u in result.vehicles}
    assert over["O2"] == pytest.approx(80 * S - 20_000) and over["O0"] == 0
    assert any("km-tilladelse" in w and "O2" in w for w in result.warnings)


# --------------------------------------------------------------------------- labels
CANDIDATES = [
    CandidateModel("e208", VehicleType.EV, Fuel.ELECTRICITY, 60000, wh_per_km=150,
                   range_km=340, make="Peugeot", model="e-208"),
    CandidateModel("yaris", VehicleType.FOSSIL, Fuel.PETROL, 47000, km_per_litre=20,
                   make="Toyota", model="Yaris"),
    CandidateModel("partner", VehicleType.FOSSIL, Fuel.DIESEL, 52000, km_per_litre=17,
                   make="Peugeot", model="Partner"),
    CandidateModel("hvo", VehicleType.FOSSIL, Fuel.HVO, 52000, km_per_litre=17),
    CandidateModel("cykel", VehicleType.BIKE, Fuel.NONE, 2500),
    CandidateModel("elcykel", VehicleType.EBIKE, Fuel.ELECTRICITY, 6000, wh_per_km=10,
                   make="Kildemoes", model="E-bike"),
]  # fmt: skip
LABELS = {
    "e208": ["Ny elbil 1, Peugeot e-208, Nord", "Ny elbil 2, Peugeot e-208, Nord"],
    "yaris": ["Ny benzinbil 1, Toyota Yaris, Nord", "Ny benzinbil 2, Toyota Yaris, Nord"],
    "partner": ["Ny dieselbil 1, Peugeot Partner, Nord", "Ny dieselbil 2, Peugeot Partner, Nord"],
    "hvo": ["Ny fossilbil 1, hvo, Nord", "Ny fossilbil 2, hvo, Nord"],
    "cykel": ["Ny cykel 1, cykel, Nord", "Ny cykel 2, cykel, Nord"],
    "elcykel": ["Ny elcykel 1, Kildemoes E-bike, Nord", "Ny elcykel 2, Kildemoes E-bike, Nord"],
}


def test_new_vehicle_labels_are_danish_numbered_per_model_and_pool_and_stable():
    trips = [trip(f"t{i}", f"{8 + i}:00", f"{8 + i}:30", 3) for i in range(4)]
    p = problem(trips, [yaris("Y1")], CANDIDATES)
    counts = [FleetCount("Nord", YARIS, 1)] + [
        FleetCount("Nord", c.model_id, 2) for c in CANDIDATES
    ]
    first = simulate(p, counts)
    assert_valid(p, first)
    for model_id, labels in LABELS.items():
        assert fleet_line(first, model_id).new_vehicles == labels
    again = simulate(p, list(reversed(counts)))
    assert again.plan == first.plan
    assert [line.new_vehicles for line in again.fleet] == [
        line.new_vehicles for line in first.fleet
    ]
    assert fleet_line(first, YARIS).vehicle_ids == ["Y1"]


def test_a_current_group_above_its_count_gets_new_vehicles_of_its_model():
    trips = [trip("a", "08:00", "09:00", 5), trip("b", "08:00", "09:00", 5, vehicle="Y2")]
    p = problem(trips, [yaris("Y1")])
    result = simulate(p, [FleetCount("Nord", YARIS, 2)])
    assert_valid(p, result)
    line = fleet_line(result, YARIS)
    assert line.vehicle_ids == ["Y1"] and line.new_vehicles == [
        "Ny benzinbil 1, Toyota Yaris, Nord"
    ]
    assert set(result.plan.values()) == {"Y1", "Ny benzinbil 1, Toyota Yaris, Nord"}


NEW_LABEL = re.compile(r"^Ny (elbil|benzinbil|dieselbil|fossilbil|elcykel|cykel) \d+, .+$")


@pytest.mark.parametrize("seed", range(12))
def test_every_plan_value_is_a_current_vehicle_or_a_new_vehicle_label(seed):
    p = random_problem(seed)
    ids = {v.vehicle_id for v in p.vehicles}
    for result in (optimise(p, alternatives=False), baseline(p)):
        if result.status not in ("optimal", "feasible"):
            continue
        new = {label for line in result.fleet for label in line.new_vehicles}
        for name in set(result.plan.values()) - {None}:
            assert name in ids or (name in new and NEW_LABEL.match(name)), name
        assert {u.vehicle for u in result.vehicles} >= set(result.plan.values()) - {None}


# --------------------------------------------------------------------------- allowances
TWO_TRIPS = [trip("a", "08:00", "09:00", 40), trip("b", "10:00", "11:00", 40)]


def allowance_case(**parameters):
    """One Yaris with 20,000 km a year and two 40 km trips a day (29,200 km a year): one car
    could drive both in time, but not within its allowance."""
    car = replace(yaris("Y1"), yearly_km_allowance=20_000)
    candidate = replace(YARIS_CANDIDATE, yearly_km_allowance=20_000)
    return problem(TWO_TRIPS, [car], [candidate], **parameters)


def test_an_allowance_forces_a_second_car():
    """Own car for one trip: 40 x 365 x 3.94 = 57,524 > a second Yaris at 47,000."""
    p = allowance_case()
    result = optimise(p, alternatives=False)
    assert_valid(p, result)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(2 * 47_000 + 80 * S * PETROL_PER_KM)
    assert {line.group: line.count for line in result.fleet} == {YARIS: 1, "yaris": 1}
    assert set(result.plan.values()) == {"Y1", "Ny benzinbil 1, Toyota, Nord"}
    for usage in result.vehicles:
        assert usage.km_per_year == pytest.approx(40 * S)
        assert usage.yearly_km_allowance == 20_000 and usage.km_over_allowance == 0
    # today's fleet re-planned may not add a car: one trip goes to an own car
    assert result.replanned.unserved_trips == 1


def test_without_the_allowance_one_car_drives_both():
    p = problem(TWO_TRIPS, [yaris("Y1")], [YARIS_CANDIDATE])
    result = optimise(p, alternatives=False)
    assert result.objective == pytest.approx(47_000 + 80 * S * PETROL_PER_KM)


def test_a_priced_allowance_pays_the_overage_instead():
    """At 1 DKK a km over, one car and 9,200 km over (9,200 DKK) beat a second car."""
    p = allowance_case(allowance={"overage_dkk_per_km": 1.0})
    result = optimise(p, alternatives=False)
    assert_valid(p, result)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(47_000 + 80 * S * PETROL_PER_KM + 9_200)
    assert result.totals.overage_dkk == pytest.approx(9_200)
    (usage,) = result.vehicles
    assert usage.vehicle == "Y1" and usage.km_over_allowance == pytest.approx(9_200)
    assert usage.overage_dkk == pytest.approx(9_200)


def test_a_dear_overage_adds_the_car_again():
    """At 6 DKK a km, 9,200 km over cost 55,200 > a second car at 47,000."""
    p = allowance_case(allowance={"overage_dkk_per_km": 6.0})
    result = optimise(p, alternatives=False)
    assert_valid(p, result)
    assert result.objective == pytest.approx(2 * 47_000 + 80 * S * PETROL_PER_KM)


def test_simulate_keeps_the_allowance_on_fixed_counts():
    p = allowance_case()
    result = simulate(p, [FleetCount("Nord", YARIS, 1)])
    assert_valid(p, result)
    assert result.totals.unserved_trips == 1
    assert result.objective == pytest.approx(47_000 + 40 * S * (PETROL_PER_KM + 3.94))


def test_the_validator_catches_a_vehicle_over_its_allowance():
    p = allowance_case()
    free = problem(TWO_TRIPS, [yaris("Y1")], [YARIS_CANDIDATE])
    result = optimise(free, alternatives=False)  # one car drives both
    messages = validate(p, result)
    assert any(m.startswith("allowance: Y1 drives 29200.0 km a year") for m in messages), messages
    assert any(m.startswith("allowance: Y1 reports allowance None") for m in messages)


def test_km_allowance_respected_on_a_synthetic_instance():
    """One month of one location: every vehicle gets an allowance near what the fleet
    drives per vehicle today, so many bind; the plan keeps every one (validator)."""
    base = generate(Spec(locations=1, vehicles=10, months=1, candidates=3), seed=3)
    per_vehicle = sum(t.distance_km for t in base.trips) * 12 / len(base.vehicles)
    vehicles = [
        replace(v, yearly_km_allowance=round(per_vehicle * (0.6 + 0.1 * (i % 4))))
        for i, v in enumerate(base.vehicles)
    ]
    candidates = [replace(c, yearly_km_allowance=round(per_vehicle)) for c in base.candidates]
    params = replace(base.parameters, solver=replace(base.parameters.solver, time_limit_s=8))
    p = replace(base, vehicles=vehicles, candidates=candidates, parameters=params)
    for result in (optimise(p, alternatives=False), simulate(p, today_counts(p))):
        assert result.status in ("optimal", "feasible"), result.message
        assert_valid(p, result)
        limits = [u for u in result.vehicles if u.yearly_km_allowance is not None]
        assert limits and all(u.km_per_year <= u.yearly_km_allowance + 1e-6 for u in limits)
    assert any(u.km_over_allowance > 0 for u in baseline(p).vehicles)  # it binds today


def today_counts(p):
    return [FleetCount(line.pool, line.group, line.current_count) for line in baseline(p).fleet]


def test_km_per_year_uses_the_period_scale():
    assert math.isclose(S, 365.0)
