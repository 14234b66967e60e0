"""Form bodies no form of ours sends: NUL and control characters, overlong values, numbers
Python's int()/float() read but a database key or a budget cannot hold ("9" * 30,
"1_0000000000000", "²", "1e400", "nan", "inf"). Each is a 400 (or the form's 422) with a
Danish message and no change in the database, on SQLite and PostgreSQL - never a 500."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from tests.conftest import _client_for, csrf_token
from tests.data.conftest import local, make_register

NINES = "9" * 30
SHARE = "param__allocation.bike_share_pct"


@pytest.fixture
def world(any_db_app):
    """Two locations, five vehicles, two weeks of trips at Nord; a planner and an admin."""
    from app.models import RoundTrip

    app = any_db_app
    register = make_register(app)
    with app.app_context():
        vehicle_id = register["vehicles"]["26"]
        for day in range(1, 15):
            start = local(2026, 3, day, 11, 0)
            db.session.add(
                RoundTrip(
                    vehicle_id=vehicle_id,
                    location_id=register["nord"],
                    start_time=start,
                    end_time=start + timedelta(hours=2),
                    distance_km=25.0,
                    driving_minutes=50,
                )
            )
        db.session.commit()
    return app, register


def scenario_form(register, **fields) -> dict:
    data = {
        "name": "Formularprøve",
        "kind": "simulate",
        "period_start": date(2026, 3, 1).isoformat(),
        "period_end": date(2026, 3, 31).isoformat(),
        "location_ids": [str(register["nord"])],
        "pooled": "1",
    }
    data.update(fields)
    return data


def database_state(app) -> dict:
    from app.models import Location, Report, Vehicle, VehicleLocationHistory
    from app.models.scenarios import Scenario

    with app.app_context():
        counts = {
            model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Scenario, Vehicle, Location, Report, VehicleLocationHistory)
        }
        counts["homes"] = sorted(
            (v.id, v.location_id) for v in db.session.scalars(db.select(Vehicle))
        )
        return counts


def scenario_cases(register) -> dict[str, tuple[dict, str]]:
    """Reviewer's bodies for POST /scenarier/ny and the Danish text each answer holds."""
    form = scenario_form
    return {
        "NUL in the name": (form(register, name="Navn\x00"), "ugyldigt tegn"),
        "NUL in the notes": (form(register, notes="noter\x00"), "ugyldigt tegn"),
        "control character": (form(register, name="Navn\x1b[2J"), "ugyldigt tegn"),
        "overlong notes": (form(register, notes="n" * 300_000), "for lang"),
        "location beyond a key": (form(register, location_ids=[NINES]), "findes ikke"),
        "location ²": (form(register, location_ids=["²"]), "findes ikke"),
        "location 1_0": (form(register, location_ids=["1_0000000000"]), "findes ikke"),
        "source beyond a key": (form(register, duplicated_from=NINES), "findes ikke"),
        "source with underscores": (
            form(register, duplicated_from="1_0000000000000"),
            "findes ikke",
        ),
        "source in Arabic-Indic digits": (
            form(register, duplicated_from="\u0661\u0662"),
            "findes ikke",
        ),
        "candidate beyond a key": (form(register, candidate_ids=[NINES]), "findes ikke"),
        "max count 1e400": (
            form(register, candidate_ids=["1"], candidate_max_1="1e400"),
            "ikke et tal",
        ),
        "max count nan": (
            form(register, candidate_ids=["1"], candidate_max_1="nan"),
            "ikke et tal",
        ),
        "max count huge": (form(register, candidate_ids=["1"], candidate_max_1=NINES), "højst"),
        "max count not whole": (
            form(register, candidate_ids=["1"], candidate_max_1="2,5"),
            "ikke et helt tal",
        ),
        "budget inf": (form(register, kind="optimise", budget_dkk="inf"), "ikke et tal"),
        "budget nan": (form(register, kind="optimise", budget_dkk="nan"), "ikke et tal"),
        "budget 1_000": (form(register, kind="optimise", budget_dkk="1_000"), "ikke et tal"),
        "budget huge": (form(register, kind="optimise", budget_dkk=NINES), "højst"),
        "CO2e target nan": (form(register, kind="optimise", co2_target_pct="nan"), "ikke et tal"),
        "parameter inf": (form(register, **{SHARE: "inf"}), "ikke et tal"),
        "parameter in Arabic-Indic digits": (
            form(register, **{SHARE: "\u0661\u0662"}),
            "ikke et tal",
        ),
        "name of 100.000 characters": (form(register, name="x" * 100_000), "højst være 200 tegn"),
    }


SCENARIO_CASES = [
    "NUL in the name",
    "NUL in the notes",
    "control character",
    "overlong notes",
    "location beyond a key",
    "location ²",
    "location 1_0",
    "source beyond a key",
    "source with underscores",
    "source in Arabic-Indic digits",
    "candidate beyond a key",
    "max count 1e400",
    "max count nan",
    "max count huge",
    "max count not whole",
    "budget inf",
    "budget nan",
    "budget 1_000",
    "budget huge",
    "CO2e target nan",
    "parameter inf",
    "parameter in Arabic-Indic digits",
    "name of 100.000 characters",
]


@pytest.mark.postgres
def test_bad_scenario_forms_are_400_in_danish_and_store_nothing(world):
    app, register = world
    client = _client_for(app, "planner")
    cases = scenario_cases(register)
    assert sorted(cases) == sorted(SCENARIO_CASES)
    before = database_state(app)
    problems = []
    for case in SCENARIO_CASES:
        data, text = cases[case]
        data = {"csrf_token": csrf_token(client, "/scenarier/ny"), **data}
        response = client.post("/scenarier/ny", data=data)
        if response.status_code != 400:
            problems.append((case, response.status_code))
        elif text not in response.text:
            problems.append((case, "no Danish message", text))
        if database_state(app) != before:
            problems.append((case, "database changed"))
    assert not problems, problems
    # The same form with good values is stored: the cases above failed for their value.
    data = {"csrf_token": csrf_token(client, "/scenarier/ny"), **scenario_form(register)}
    response = client.post("/scenarier/ny", data=data)
    assert response.status_code == 302, response.text
    assert database_state(app)["Scenario"] == before["Scenario"] + 1


@pytest.mark.postgres
def test_bad_register_report_and_parameter_forms_on_both_databases(world):
    from app.parameters.catalogue import CATALOGUE
    from app.parameters.forms import format_value

    app, register = world
    planner = _client_for(app, "planner")
    admin = _client_for(app, "admin")
    vehicle_id = register["vehicles"]["26"]
    good_vehicle = {
        "fleet_id": "V-ny", "make": "Christiania", "model": "Light", "vehicle_type": "bike",
        "fuel": "none",
    }  # fmt: skip
    cases = [
        # (client, path, fields, allowed statuses, Danish text)
        (planner, "/koeretoejer/ny", {**good_vehicle, "fleet_id": "V\x00"}, {400}, "ugyldigt tegn"),
        (planner, "/koeretoejer/ny", {**good_vehicle, "location_id": NINES}, {422}, "Ugyldigt"),
        (planner, "/koeretoejer/ny", {**good_vehicle, "location_id": "²"}, {422}, "Ugyldigt"),
        (planner, "/koeretoejer/ny", {**good_vehicle, "department_id": "1_0"}, {422}, "Ugyldigt"),
        (planner, "/koeretoejer/ny", {**good_vehicle, "location_id": "2147483647"}, {422}, ""),
        (
            planner,
            "/lokationer/ny",
            {"name": "Lager\x00", "latitude": "55,1", "longitude": "10,2"},
            {400},
            "ugyldigt tegn",
        ),
        (
            planner,
            f"/koeretoejer/{vehicle_id}/flyt",
            {"location_id": NINES, "valid_from": "2026-03-05"},
            {422},
            "Vælg en lokation",
        ),
        (
            planner,
            f"/koeretoejer/{vehicle_id}/flyt",
            {"location_id": "\u0661", "valid_from": "2026-03-05"},
            {422},
            "Vælg en lokation",
        ),
        (planner, "/rapporter/ny", {"scenario_id": NINES}, {400}, "Vælg det anbefalede"),
        (planner, "/rapporter/ny", {"scenario_id": "1_0000000000000"}, {400}, "Vælg det"),
    ]
    parameters = {spec.key: format_value(spec.value) for spec in CATALOGUE}
    first = CATALOGUE[0].key
    for year in ("²", NINES, "1_999"):
        cases.append(
            (admin, "/admin/parametre", {**parameters, f"{first}__year": year}, {400}, "årstal")
        )
    before = database_state(app)
    problems = []
    for client, path, fields, statuses, text in cases:
        data = {"csrf_token": csrf_token(client), **fields}
        response = client.post(path, data=data)
        if response.status_code not in statuses:
            problems.append((path, fields, response.status_code))
        elif text not in response.text:
            problems.append((path, fields, "no Danish message", text))
        if database_state(app) != before:
            problems.append((path, fields, "database changed"))
    assert not problems, problems
    # The good vehicle is stored: the cases above failed for their one bad value.
    data = {"csrf_token": csrf_token(planner), **good_vehicle}
    response = planner.post("/koeretoejer/ny", data=data)
    assert response.status_code == 302, response.text


def test_the_form_guard_ignores_file_parts_and_allows_what_a_textarea_sends(app, planner_client):
    """Only text fields are looked at: a file may hold any byte (its import checks it)."""
    import io

    token = csrf_token(planner_client, "/scenarier/ny")
    response = planner_client.post(
        "/scenarier/ny",
        data={"csrf_token": token, "name": "", "fil": (io.BytesIO(b"a\x00b" * 1000), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Formularen indeholder" not in response.text
    assert "Giv scenariet et navn" in response.text or "angiv en dato" in response.text
    response = planner_client.post(
        "/scenarier/ny",
        data={"csrf_token": token, "name": "x", "notes": "linje 1\r\n\tlinje 2\n"},
    )
    assert "Formularen indeholder" not in response.text


def test_form_problem():
    from app.args import MAX_FORM_VALUE_LENGTH, form_problem

    assert form_problem(MultiDict({"notes": "a\r\n\tb", "name": "Æblegården"})) is None
    assert form_problem(MultiDict({"name": "a\x00"})) == "control"
    assert form_problem(MultiDict({"na\x00me": "a"})) == "control"
    assert form_problem(MultiDict({"name": "a\x7f"})) == "control"
    assert form_problem(MultiDict({"name": "a" * MAX_FORM_VALUE_LENGTH})) is None
    assert form_problem(MultiDict({"name": "a" * (MAX_FORM_VALUE_LENGTH + 1)})) == "long"


def test_bounded_float():
    from app.args import bounded_float

    assert bounded_float(" 12.5 ") == 12.5
    assert bounded_float("-3") == -3.0
    assert bounded_float(".5") == 0.5
    for bad in ("inf", "nan", "-inf", "1e400", "1e3", "1_000", "\u0661\u0662", "²", "", "1.2.3"):
        with pytest.raises(ValueError):
            bounded_float(bad)
    with pytest.raises(ValueError):
        bounded_float("9" * 400)
    with pytest.raises(ValueError):
        bounded_float("11", high=10)


def test_cache_control_on_signed_in_pages_and_csv_content_type(app, planner_client):
    response = planner_client.get("/")
    assert response.headers["Cache-Control"] == "no-store"
    response = planner_client.get("/api/v1/locations")
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    static = planner_client.get("/static/app.js")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    anonymous = app.test_client().get("/login")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    csv = planner_client.get("/data/eksport/lokationer.csv")
    assert csv.status_code == 200
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
