"""Parameters: defaults with sources, a strict reader that names the bad key, a round trip."""

from __future__ import annotations

from datetime import date

import pytest

from app.engine import EngineError, Parameters
from app.engine.parameters import DEFAULT_SOURCES


def test_defaults_follow_the_danish_reference_numbers():
    p = Parameters()
    assert p.emission_kg_per_unit == {
        "petrol": 2.52,
        "diesel": 2.98,
        "hvo": 0.894,
        "electricity": 0.089,
    }
    assert p.energy_price_dkk_per_unit["electricity"] == 2.13
    assert p.co2_value_dkk_per_t == 1500
    assert (p.own_car.allowance_dkk_per_km, p.own_car.km_per_litre) == (3.94, 18)
    assert p.ev.winter_derating_pct == 30
    assert p.changeover_minutes == 5
    assert (p.bike.max_km, p.bike.speed_kmh, p.bike.windows) == (15, 20, ((420, 930),))
    assert (p.ebike.max_km, p.ebike.speed_kmh) == (25, 30)
    assert (p.solver.time_limit_s, p.solver.rel_gap, p.solver.threads) == (300, 0.001, 2)
    # every default that users see names where it comes from
    for key in ("emission_kg_per_unit", "energy_price_dkk_per_unit", "co2_value_dkk_per_t"):
        assert DEFAULT_SOURCES[key]


def test_empty_dict_gives_the_defaults_and_to_dict_round_trips():
    assert Parameters.from_dict({}) == Parameters()
    full = Parameters().to_dict()
    assert Parameters.from_dict(full) == Parameters()
    assert set(full) == {
        "period",
        "decision_date",
        "emission_kg_per_unit",
        "energy_price_dkk_per_unit",
        "co2_value_dkk_per_t",
        "own_car",
        "unserved",
        "changeover_minutes",
        "ev",
        "bike",
        "ebike",
        "shifts",
        "allowance",
        "pools",
        "allocation",
        "solver",
    }


def test_every_key_is_read():
    d = {
        "period": {"start": "2026-01-01", "end": "2026-06-30"},
        "decision_date": "2026-03-31",
        "emission_kg_per_unit": {"electricity": 0.05},
        "energy_price_dkk_per_unit": {"hvo": 20.5},
        "co2_value_dkk_per_t": 1200,
        "own_car": {"allowance_dkk_per_km": 2.28},
        "unserved": {
            "penalty_dkk_per_trip": 50,
            "max_trips_per_pool": 3,
            "must_serve_above_km": 40,
        },
        "changeover_minutes": 0,
        "ev": {"winter_derating_pct": 40, "charger_kw": 22, "min_charging_minutes": 15},
        "bike": {"windows": [["06:00", "18:00"], ["22:00", "02:00"]]},
        "ebike": {"max_km": 30},
        "shifts": {"Nord": [["07:00", "15:00"], ["15:00", "07:00"]]},
        "pools": [["Syd", "Nord"]],
        "solver": {"time_limit_s": 20, "rel_gap": 0.01, "threads": 1},
    }
    p = Parameters.from_dict(d)
    assert (p.period_start, p.period_end, p.decision_date) == (
        date(2026, 1, 1),
        date(2026, 6, 30),
        date(2026, 3, 31),
    )
    assert p.emission_kg_per_unit["electricity"] == 0.05
    assert p.emission_kg_per_unit["petrol"] == 2.52  # the rest keep their defaults
    assert p.energy_price_dkk_per_unit["hvo"] == 20.5
    assert p.own_car.allowance_dkk_per_km == 2.28 and p.own_car.km_per_litre == 18
    assert p.unserved.max_trips_per_pool == 3
    assert p.bike.windows == ((360, 1080), (1320, 120))
    assert p.ebike.max_km == 30 and p.ebike.speed_kmh == 30
    assert p.shifts == {"Nord": ((420, 900), (900, 420))}
    assert p.pools == (("Nord", "Syd"),)
    assert p.solver.threads == 1
    assert Parameters.from_dict(p.to_dict()) == p


@pytest.mark.parametrize(
    ("d", "named"),
    [
        ({"co2_value_dkk_per_tonne": 1}, "'co2_value_dkk_per_tonne'"),
        ({"ev": {"winter_derating": 40}}, "ev.'winter_derating'"),
        ({"unserved": {"max_trips": 3}}, "unserved.'max_trips'"),
        ({"emission_kg_per_unit": {"lpg": 1.6}}, "emission_kg_per_unit.'lpg'"),
        ({"solver": {"gap": 0.1}}, "solver.'gap'"),
        ({"period": {"begin": "2026-01-01"}}, "period.'begin'"),
    ],
)
def test_unknown_keys_are_errors_naming_the_key_path(d, named):
    with pytest.raises(EngineError, match="ukendt nøgle") as error:
        Parameters.from_dict(d)
    assert named in str(error.value)


@pytest.mark.parametrize(
    ("d", "path"),
    [
        ({"co2_value_dkk_per_t": "høj"}, "co2_value_dkk_per_t"),
        ({"co2_value_dkk_per_t": -1}, "co2_value_dkk_per_t"),
        ({"changeover_minutes": True}, "changeover_minutes"),
        ({"period": {"start": "1/1/2026"}}, "period.start"),
        ({"bike": {"windows": [["7:00", "15:30"]]}}, "bike.windows[0][0]"),
        ({"bike": {"windows": [["07:00"]]}}, "bike.windows[0]"),
        ({"ev": {"winter_derating_pct": 100}}, "ev.winter_derating_pct"),
        ({"unserved": {"max_trips_per_pool": 1.5}}, "unserved.max_trips_per_pool"),
        ({"pools": [["Nord"], ["Nord", "Syd"]]}, "pools[1]"),
        ({"solver": {"threads": 0}}, "solver.threads"),
        ({"solver": {"time_limit_s": 0}}, "solver.time_limit_s"),
    ],
)
def test_bad_values_name_their_key(d, path):
    with pytest.raises(EngineError) as error:
        Parameters.from_dict(d)
    assert path in str(error.value)


def test_period_end_before_start_is_an_error():
    with pytest.raises(EngineError, match="period"):
        Parameters.from_dict({"period": {"start": "2026-02-01", "end": "2026-01-01"}})


def test_own_car_co2e_is_a_petrol_car():
    p = Parameters.from_dict({"own_car": {"km_per_litre": 20}})
    assert p.own_car_co2e_kg_per_km == pytest.approx(2.52 / 20)
