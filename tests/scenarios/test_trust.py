"""Like-for-like results and honest run states through the real job (issue "Trust").

A no-change simulation shows a fleet-change effect of exactly 0 on the page, in the XLSX
and in the stored summary; a run that hits its time limit without a plan ends failed (job
failed, run failed, listed as "Fejlet", no results, no report); an unreachable target is
its own state; alternatives appear or a sentence says why; an alternative opens as its
own simulation.
"""

from __future__ import annotations

import io

import pytest

import app.engine.solve as engine_solve
from app.extensions import db
from app.models.scenarios import Scenario
from tests.scenarios.conftest import client_for, run_scenario
from tests.scenarios.test_scenario_service import setup_for

EFFECT_KEYS = ("yearly_cost_dkk", "co2e_t", "co2e_value_dkk", "vehicles", "unserved_trips")


@pytest.fixture(scope="module")
def no_change(demo_app):
    return run_scenario(demo_app, setup_for(demo_app, kind="simulate", name="Hjemmeplejen Nord"))


def summary_of(app, scenario_id: int) -> dict:
    with app.app_context():
        run = db.session.get(Scenario, scenario_id).latest_run
        assert run.status == "finished", run.job.error
        return run.summary


def test_a_no_change_simulation_has_zero_fleet_change_effect_everywhere(demo_app, no_change):
    from openpyxl import load_workbook

    summary = summary_of(demo_app, no_change)
    assert summary["state"] in ("optimal", "feasible")
    comparison, effects = summary["comparison"], summary["effects"]
    assert comparison["replanned"] == comparison["proposal"]
    assert all(effects["fleet_change"][key] == 0 for key in EFFECT_KEYS)
    # the planning effect is shown on its own: today's fleet shared better
    assert effects["planning"]["co2e_t"] == pytest.approx(
        comparison["replanned"]["co2e_t"] - comparison["as_driven"]["co2e_t"]
    )
    page = client_for(demo_app, "viewer@kommune.dk").get(f"/scenarier/{no_change}")
    assert "Sammenligning på lige fod" in page.text
    assert "Effekt af flådeændringen" in page.text and "Effekt af planlægning" in page.text
    assert "Flådeændringen: <strong>0 kr.</strong>" in page.text
    response = client_for(demo_app, "viewer@kommune.dk").get(f"/scenarier/{no_change}/excel")
    rows = list(load_workbook(io.BytesIO(response.data), read_only=True)["Resumé"].values)
    header = next(r for r in rows if r and r[0] == "Nøgletal")
    assert list(header[:6]) == [
        "Nøgletal",
        "I dag, som kørt",
        "I dag, omplanlagt",
        "Forslag",
        "Effekt af planlægning",
        "Effekt af flådeændringen",
    ]
    figures = rows[rows.index(header) + 1 : rows.index(header) + 6]
    assert [r[5] for r in figures] == [0, 0, 0, 0, 0]


def test_the_job_result_and_scenario_list_speak_danish(demo_app, no_change):
    with demo_app.app_context():
        run = db.session.get(Scenario, no_change).latest_run
        assert run.job.result["udfald"] in ("Færdig", "Færdig, ikke bevist optimal")
        assert "status" not in run.job.result
    listing = client_for(demo_app, "viewer@kommune.dk").get("/scenarier/")
    assert "time_limit" not in listing.text and "optimal<" not in listing.text


def test_a_run_without_a_plan_before_its_time_limit_ends_failed(demo_app, monkeypatch):
    # The solver gives nothing before its limit and today's fleet cannot stand in.
    monkeypatch.setattr(
        engine_solve,
        "run_highs",
        lambda *args, **kwargs: engine_solve.HighsOutcome("time_limit", None, None, None, None),
    )
    monkeypatch.setattr(engine_solve, "_as_driven_today", lambda *args: None)
    scenario_id = run_scenario(
        demo_app, setup_for(demo_app, name="Rådhuset", period_start=setup_for(demo_app).period_end)
    )
    with demo_app.app_context():
        run = db.session.get(Scenario, scenario_id).latest_run
        assert run.status == "failed" and run.state == "failed"
        assert run.job.status == "failed"
        assert "Tidsgrænsen" in run.job.error
        assert run.summary["comparison"] is None
    client = client_for(demo_app, "planner@kommune.dk")
    page = client.get(f"/scenarier/{scenario_id}")
    assert "Kørslen fejlede" in page.text and "Sammenligning på lige fod" not in page.text
    assert client.get(f"/scenarier/{scenario_id}/excel").status_code == 404
    listing = client.get("/scenarier/")
    assert 'chip-state-failed">Fejlet' in listing.text or "chip-failed" in listing.text
    # a report for it is refused
    from app.reports.service import finished_scenarios

    with demo_app.app_context():
        assert scenario_id not in [s.id for s in finished_scenarios()]


def test_an_unreachable_target_is_its_own_state_with_what_can_be_reached(demo_app):
    scenario_id = run_scenario(
        demo_app, setup_for(demo_app, name="Rådhuset", co2_target_pct=100, alternatives=True)
    )
    with demo_app.app_context():
        run = db.session.get(Scenario, scenario_id).latest_run
        assert run.status == "unreachable" and run.job.status == "finished"
        assert run.job.result["udfald"] == "Målet kan ikke nås"
        target = run.summary["target"]
        assert target["kind"] == "co2e" and not target["met"]
        assert target["reachable"] is not None and target["reachable"] > 0
    client = client_for(demo_app, "viewer@kommune.dk")
    page = client.get(f"/scenarier/{scenario_id}")
    assert "Resultat: målet kan ikke nås" in page.text
    assert "Den laveste udledning, der kan nås" in page.text
    assert "Hent Excel" not in page.text
    assert "Målet kan ikke nås" in client.get("/scenarier/").text


def test_a_target_run_states_how_much_comes_from_planning(demo_app):
    scenario_id = run_scenario(
        demo_app,
        setup_for(demo_app, name="Hjemmeplejen Syd", co2_target_pct=30, alternatives=True),
    )
    summary = summary_of(demo_app, scenario_id)
    target, comparison = summary["target"], summary["comparison"]
    assert target["met"]
    assert comparison["proposal"]["co2e_t"] <= target["limit"] + 1e-6
    # the target is measured against today as driven and the reduction splits in two
    assert target["limit"] == pytest.approx(comparison["as_driven"]["co2e_t"] * 0.7)
    assert target["from_planning"] + target["from_fleet_change"] == pytest.approx(
        comparison["as_driven"]["co2e_t"] - comparison["proposal"]["co2e_t"]
    )
    assert summary["alternatives"] or summary["alternatives_note"]
    page = client_for(demo_app, "viewer@kommune.dk").get(f"/scenarier/{scenario_id}")
    assert "kommer" in page.text and "fra planlægningen" in page.text


def test_alternatives_appear_or_are_explained_and_open_as_simulations(demo_app):
    scenario_id = run_scenario(
        demo_app, setup_for(demo_app, name="Materielgården", alternatives=True)
    )
    summary = summary_of(demo_app, scenario_id)
    client = client_for(demo_app, "planner@kommune.dk")
    page = client.get(f"/scenarier/{scenario_id}")
    assert "Alternativer langs afvejningen" in page.text
    if not summary["alternatives"]:
        assert summary["alternatives_note"] in page.text
        return
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        f"/scenarier/{scenario_id}/alternativer/1/simuler", data={"csrf_token": token}
    )
    assert response.status_code == 302
    from tests.support import work_queue

    with demo_app.app_context():
        work_queue()
        copy = db.session.scalars(
            db.select(Scenario).where(Scenario.duplicated_from_id == scenario_id)
        ).one()
        assert copy.kind == "simulate" and copy.snapshot_blob is not None
        run = copy.latest_run
        assert run.status == "finished", run.job.error
        wanted = {
            (line["pool"], line["group"]): line["count"]
            for line in summary["alternatives"][0]["fleet"]
        }
        got = {(line["pool"], line["group"]): line["count"] for line in run.summary["fleet"]}
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in wanted.items() if v}


def test_a_viewer_cannot_open_an_alternative(demo_app, no_change):
    client = client_for(demo_app, "viewer@kommune.dk")
    page = client.get("/scenarier/")
    token = ""
    if 'name="csrf_token" value="' in page.text:
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        f"/scenarier/{no_change}/alternativer/1/simuler", data={"csrf_token": token}
    )
    assert response.status_code == 403


def test_cli_json_carries_the_comparison_and_the_effects(demo_app, no_change):
    import json

    runner = demo_app.test_cli_runner()
    shown = runner.invoke(args=["scenario", "show", str(no_change), "--json"])
    assert shown.exit_code == 0, shown.output
    payload = json.loads(shown.output)
    assert set(payload["comparison"]) == {"as_driven", "replanned", "proposal"}
    assert set(payload["comparison"]["proposal"]) == set(payload["totals"])
    assert set(payload["effects"]) == {"planning", "fleet_change"}
    assert set(payload["effects"]["fleet_change"]) == {
        "yearly_cost_dkk",
        "co2e_t",
        "vehicles",
        "unserved_trips",
    }
    assert all(v == 0 for v in payload["effects"]["fleet_change"].values())
    text = runner.invoke(args=["scenario", "show", str(no_change)])
    assert "flådeændringen 0" in text.output and "planlægning alene" in text.output
