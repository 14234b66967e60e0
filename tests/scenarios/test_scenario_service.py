"""Setup validation and snapshotting, runs through the queue, results, exports, access."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest

from app.extensions import db
from app.models import RoundTrip, Vehicle
from app.models.scenarios import Scenario
from app.scenarios.service import ScenarioError, ScenarioSetup, create_scenario, validate_setup
from tests.conftest import csrf_token
from tests.scenarios.conftest import (
    DEMO_END,
    SHORT_START,
    client_for,
    location_id,
    run_scenario,
    user,
)


def setup_for(app, kind="optimise", name="Rådhuset", **changes) -> ScenarioSetup:
    setup = ScenarioSetup(
        name=f"Test {kind}",
        kind=kind,
        period_start=SHORT_START,
        period_end=DEMO_END,
        location_ids=[location_id(app, name)],
        alternatives=False,
    )
    return replace(setup, **changes)


@pytest.fixture(scope="module")
def optimised(demo_app):
    return run_scenario(demo_app, setup_for(demo_app, name="Materielgården"))


@pytest.fixture(scope="module")
def simulated(demo_app):
    return run_scenario(
        demo_app,
        setup_for(
            demo_app,
            kind="simulate",
            name="Materielgården",
            overrides={"co2_value_dkk_per_t": 3000},
        ),
    )


def test_validation_names_every_problem(demo_app):
    with demo_app.app_context():
        bad = ScenarioSetup(
            name=" ",
            kind="gæt",
            period_start=DEMO_END,
            period_end=SHORT_START,
            location_ids=[],
            co2_target_pct=150,
        )
        problems = validate_setup(bad)
    assert "Giv scenariet et navn." in problems
    assert "Vælg simulering eller optimering." in problems
    assert "Periodens slutdato ligger før startdatoen." in problems
    assert "Vælg mindst én lokation." in problems
    assert "CO2e-målet skal være mellem 0 og 100 %." in problems


def test_unknown_parameter_is_refused(demo_app):
    with demo_app.app_context():
        problems = validate_setup(setup_for(demo_app, overrides={"co2_valeu_dkk_per_t": 1}))
    assert any("co2_valeu_dkk_per_t" in p for p in problems)


def test_snapshot_is_immutable_record_of_inputs(demo_app):
    with demo_app.app_context():
        owner = user(demo_app, "planner@kommune.dk")
        scenario = create_scenario(setup_for(demo_app), owner)
        snapshot = scenario.snapshot
        trips_in_db = db.session.scalar(
            db.select(db.func.count(RoundTrip.id)).where(
                RoundTrip.location_id == location_id(demo_app, "Rådhuset")
            )
        )
        rows = snapshot["trips"]["rows"]
        assert 0 < len(rows) < trips_in_db  # only the chosen four weeks
        assert snapshot["parameters"]["period"] == {
            "start": SHORT_START.isoformat(),
            "end": DEMO_END.isoformat(),
        }
        assert {v["location"] for v in snapshot["vehicles"]} == {"Rådhuset"}
        assert scenario.snapshot_summary["fleet"], "today's groups for the steppers"
        # Changing the register afterwards does not change the scenario's inputs.
        vehicle = db.session.scalar(db.select(Vehicle).where(Vehicle.fleet_id == rows[0][1]))
        vehicle.yearly_cost_dkk = 1.0
        db.session.commit()
        db.session.expire_all()
        again = db.session.get(Scenario, scenario.id).snapshot
        assert again == snapshot


def test_vehicles_missing_data_are_excluded_with_their_trips(demo_app):
    with demo_app.app_context():
        incomplete = [
            v for v in db.session.scalars(db.select(Vehicle)) if v.missing_data() and v.location
        ]
        assert incomplete
        location = incomplete[0].location
        owner = user(demo_app, "planner@kommune.dk")
        scenario = create_scenario(setup_for(demo_app, name=location.name), owner)
        excluded = {v["fleet_id"] for v in scenario.snapshot_summary["excluded_vehicles"]}
        assert incomplete[0].fleet_id in excluded
        assert incomplete[0].fleet_id not in {
            v["vehicle_id"] for v in scenario.snapshot["vehicles"]
        }
        assert scenario.snapshot_summary["excluded_trips"] > 0


def test_empty_period_is_refused(demo_app):
    from datetime import date

    with demo_app.app_context():
        owner = user(demo_app, "planner@kommune.dk")
        setup = setup_for(demo_app, period_start=date(2020, 1, 1), period_end=date(2020, 1, 31))
        with pytest.raises(ScenarioError, match="ingen rundture"):
            create_scenario(setup, owner)


def test_optimisation_runs_and_stores_results(demo_app, optimised):
    with demo_app.app_context():
        scenario = db.session.get(Scenario, optimised)
        run = scenario.latest_run
        assert run.status == "finished", run.job.error_detail
        assert run.job.status == "finished" and run.job.progress == 100
        summary = run.summary
        assert summary["status"] in ("optimal", "feasible", "time_limit")
        totals, base = summary["totals"], summary["baseline"]
        # The optimum is never worse than today's fleet on the optimised objective.
        objective = totals["yearly_cost_dkk"] + totals["co2e_value_dkk"]
        assert objective <= base["yearly_cost_dkk"] + base["co2e_value_dkk"] + 1e-6
        plan = run.result["plan"]
        assert set(plan) == {row[0] for row in scenario.snapshot["trips"]["rows"]}


def test_simulation_uses_todays_counts_and_scenario_parameters(demo_app, simulated):
    with demo_app.app_context():
        run = db.session.get(Scenario, simulated).latest_run
        assert run.status == "finished", run.job.error_detail
        assert run.summary["parameters"]["co2_value_dkk_per_t"] == 3000
        fleet = run.summary["fleet"]
        assert all(line["count"] == line["current_count"] for line in fleet)


def test_results_page_renders_every_chart(demo_app, optimised):
    client = client_for(demo_app, "viewer@kommune.dk")
    page = client.get(f"/scenarier/{optimised}")
    assert page.status_code == 200
    assert "Flådens ændring" in page.text and "Årlig omkostning" in page.text
    charts = client.get(f"/scenarier/{optimised}/diagrammer")
    assert charts.status_code == 200
    for key in ("omkostning", "travlhed", "uloeste", "turlaengder"):
        assert f'id="diagram-{key}"' in charts.text
    assert charts.text.count("<svg") >= 4
    png = client.get(f"/scenarier/{optimised}/diagram/travlhed.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    svg = client.get(f"/scenarier/{optimised}/diagram/omkostning.svg")
    assert b"Scenarie: Test optimise" in svg.data and b"Periode:" in svg.data


def test_plan_fragment_paginates_and_filters(demo_app, optimised):
    client = client_for(demo_app, "viewer@kommune.dk")
    first = client.get(f"/scenarier/{optimised}/koereplan")
    assert first.status_code == 200 and "Side 1 af" in first.text
    total = int(re.search(r"([\d.]+) ture", first.text).group(1).replace(".", ""))
    only = client.get(f"/scenarier/{optimised}/koereplan?uloeste=1")
    unserved = int(re.search(r"([\d.]+) ture", only.text).group(1).replace(".", ""))
    with demo_app.app_context():
        summary = db.session.get(Scenario, optimised).latest_run.summary
    assert unserved == summary["totals"]["unserved_trips"] <= total


def test_xlsx_holds_parameters_and_plan(demo_app, simulated):
    from openpyxl import load_workbook

    client = client_for(demo_app, "viewer@kommune.dk")
    response = client.get(f"/scenarier/{simulated}/excel")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    assert workbook.sheetnames == [
        "Resumé",
        "Flådeændring",
        "Køretøjer",
        "Køreplan",
        "Uløste ture",
        "Parametre",
    ]
    parameters = {row[0]: row[2] for row in workbook["Parametre"].iter_rows(values_only=True)}
    assert parameters["co2_value_dkk_per_t"] == 3000
    assert parameters["emission_kg_per_unit.petrol"] == 2.52
    with demo_app.app_context():
        trips = len(db.session.get(Scenario, simulated).snapshot["trips"]["rows"])
    plan_rows = list(workbook["Køreplan"].iter_rows(values_only=True))
    assert len(plan_rows) == trips + 1
    csv = client.get(f"/scenarier/{simulated}/koereplan.csv")
    assert csv.data.startswith("\ufeff".encode()) and csv.data.count(b"\r\n") == trips + 1


def test_comparison_highlights_differing_parameters(demo_app, optimised, simulated):
    client = client_for(demo_app, "viewer@kommune.dk")
    page = client.get(f"/scenarier/sammenlign?id={optimised}&id={simulated}")
    assert page.status_code == 200
    differing = re.findall(
        r'<tr class="differs" data-differs="1"><td><strong>≠</strong> ([^<]+)<', page.text
    )
    assert "co2_value_dkk_per_t" in differing
    assert "emission_kg_per_unit.petrol" not in differing


def test_viewer_cannot_create_or_run(demo_app, optimised):
    client = client_for(demo_app, "viewer@kommune.dk")
    token = csrf_token(client, "/scenarier/")
    assert client.get("/scenarier/ny").status_code == 403
    assert client.post("/scenarier/ny", data={"csrf_token": token}).status_code == 403
    assert (
        client.post(f"/scenarier/{optimised}/koer", data={"csrf_token": token}).status_code == 403
    )


def test_planner_cannot_delete_others_but_admin_can(demo_app):
    scenario_id = run_scenario(demo_app, setup_for(demo_app, kind="simulate"))
    other = client_for(demo_app, "anden.planner@kommune.dk")
    token = csrf_token(other, "/scenarier/")
    assert (
        other.post(f"/scenarier/{scenario_id}/slet", data={"csrf_token": token}).status_code == 403
    )
    admin = client_for(demo_app, "admin@kommune.dk")
    token = csrf_token(admin, "/scenarier/")
    assert (
        admin.post(f"/scenarier/{scenario_id}/slet", data={"csrf_token": token}).status_code == 302
    )
    with demo_app.app_context():
        assert db.session.get(Scenario, scenario_id) is None


def test_setup_form_creates_scenario(demo_app):
    client = client_for(demo_app, "planner@kommune.dk")
    token = csrf_token(client, "/scenarier/ny")
    response = client.post(
        "/scenarier/ny",
        data={
            "csrf_token": token,
            "name": "Fra formularen",
            "kind": "simulate",
            "period_start": SHORT_START.isoformat(),
            "period_end": DEMO_END.isoformat(),
            "location_ids": [str(location_id(demo_app, "Rådhuset"))],
            "param__co2_value_dkk_per_t": "1.200",
            f"shifts_{location_id(demo_app, 'Rådhuset')}": "07:00-15:00, 15:00-23:00, 23:00-07:00",
        },
    )
    assert response.status_code == 302, response.text
    with demo_app.app_context():
        scenario = db.session.scalar(db.select(Scenario).where(Scenario.name == "Fra formularen"))
        assert scenario.setup["overrides"]["co2_value_dkk_per_t"] == 1200
        assert scenario.snapshot["parameters"]["shifts"]["Rådhuset"][0] == ["07:00", "15:00"]
    page = client.get(response.location)
    assert "Kør simulering" in page.text and "count__" in page.text


def test_setup_form_errors_are_danish(demo_app):
    client = client_for(demo_app, "planner@kommune.dk")
    token = csrf_token(client, "/scenarier/ny")
    response = client.post(
        "/scenarier/ny",
        data={"csrf_token": token, "name": "", "kind": "optimise", "period_start": "x"},
    )
    assert response.status_code == 400
    assert "Periodens start: angiv en dato." in response.text


def test_cli_runs_and_shows_scenario(demo_app):
    import json

    runner = demo_app.test_cli_runner()
    result = runner.invoke(
        args=["scenario", "run", "--name", "Fra CLI", "--kind", "simulate",
              "--locations", "Rådhuset", "--from", SHORT_START.isoformat(),
              "--to", DEMO_END.isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    scenario_id = int(re.search(r"Scenarie (\d+) oprettet", result.output).group(1))
    with demo_app.app_context():
        from tests.support import work_queue

        work_queue()
    shown = runner.invoke(args=["scenario", "show", str(scenario_id), "--json"])
    assert shown.exit_code == 0, shown.output
    payload = json.loads(shown.output)
    assert payload["scenario"]["name"] == "Fra CLI" and "plan" in payload and "totals" in payload


def test_period_preview_shows_counts_groups_and_status_chips(demo_app):
    client = client_for(demo_app, "planner@kommune.dk")
    location = location_id(demo_app, "Materielgården")
    page = client.get(
        f"/scenarier/periode?period_start={SHORT_START}&period_end={DEMO_END}"
        f"&location_ids={location}"
    )
    assert page.status_code == 200
    assert "rundture" in page.text and "Data dækker" in page.text
    assert 'class="chip chip-ok">OK' in page.text
