"""Only runs with a valid plan become reports, and the report never credits the fleet with
what re-planning alone gives: a simulation of today's fleet states no effect, a run not
proven optimal says so, and failed, unreachable and old runs are refused on the web and
the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.formatting import dkk
from tests.reports.conftest import FEASIBLE_GAP, logged_in
from tests.reports.pdftools import ReportPdf
from tests.support import work_queue

REFUSED = {
    "failed": "har ingen gyldig plan",
    "unreachable": "kan ikke nå sit mål",
    "old": "Kør scenariet igen",
}


def _csrf(client, path: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def _build(scenario_id: int) -> ReportPdf:
    from reports.builder import ReportRequest, build_report

    built = build_report(ReportRequest(scenario_id=scenario_id, made_on=date(2026, 11, 28)))
    return ReportPdf(built.pdf)


def test_a_no_change_simulation_states_no_effect_of_the_fleet_decision(report_ctx):
    from app.extensions import db
    from app.models import Scenario

    scenario_id = report_ctx.config["TEST_NO_CHANGE_ID"]
    summary = db.session.get(Scenario, scenario_id).latest_run.summary
    fleet, planning = summary["effects"]["fleet_change"], summary["effects"]["planning"]
    assert fleet["yearly_cost_dkk"] == 0 and fleet["co2e_t"] == 0  # the data contract
    pdf = _build(scenario_id)

    resume = pdf.section_text("Resumé", "Indstilling")
    assert "Forslaget beholder dagens flåde" in resume
    assert (
        "Beslutningen om flåden ændrer derfor i sig selv hverken udgifterne eller udledningen "
        "(0 kr. og 0,0 t CO2e om året)." in resume
    )
    rows = {row[0]: row[1:] for row in pdf.section_rows("Resumé", "Indstilling")}
    assert rows["Udgifter pr. år"][3] == "0 kr."
    assert rows["Udledning pr. år"][3] == "0,0 t CO2e"
    assert rows["Køretøjer"][3] == "0"
    if round(planning["yearly_cost_dkk"]):
        # What re-planning gives is reported, as planning, on its own.
        assert "Uafhængigt af flåden kan planlægningen give en gevinst" in resume
        assert dkk(abs(planning["yearly_cost_dkk"])) in resume
    indstilling = pdf.section_text("Indstilling", "Sagsfremstilling")
    assert "at det noteres, at analysen ikke peger på en ændring af flåden" in indstilling
    assert "reduceres fra" not in indstilling
    economy = pdf.section_text("Økonomi", "Klima")
    assert "beslutningen om flåden ændrer ikke udgifterne" in economy
    assert "(effekt 0 kr.)" in economy
    climate = pdf.section_text("Klima", "Service og risici")
    assert "beslutningen om flåden ændrer ikke udledningen" in climate


def test_when_the_saving_comes_counts_only_leases_after_the_decision_date(report_ctx):
    pdf = _build(report_ctx.config["TEST_LEASE_ID"])
    economy = pdf.section_text("Økonomi", "Klima")
    assert (
        "1 af de 3 køretøjer, der udgår, er bundet af leasingaftaler, der udløber efter "
        "beslutningsdatoen (1. juli 2027); besparelsen på det kommer, når aftalerne udløber, "
        "den sidste 4. oktober 2027. 2 køretøjer kan udgå med det samme." in economy
    )
    rows = {row[1]: row for row in pdf.section_rows("Økonomi", "Klima") if len(row) == 4}
    assert rows["Kia e-Niro"] == [
        "Rådhuset",
        "Kia e-Niro",
        "3",
        "4. oktober 2027; 2 kan udgå med det samme",
    ]
    assert "27. januar 2027" not in economy and "8. juni 2027" not in economy  # ended before
    assert "28. maj 2028" not in economy  # that car stays
    indstilling = pdf.section_text("Indstilling", "Sagsfremstilling")
    assert "ved de kommende leasingudløb" in indstilling


def test_a_result_not_proven_optimal_carries_a_banner(report_ctx):
    pdf = _build(report_ctx.config["TEST_STORED_IDS"]["feasible"])
    notice = (
        "Bemærk: Resultatet er ikke bevist optimalt; afstanden til den bedste grænse er "
        f"{FEASIBLE_GAP * 100:.2f} %.".replace(".", ",", 1).replace("%,", "%.")
    )
    assert notice == (
        "Bemærk: Resultatet er ikke bevist optimalt; afstanden til den bedste grænse er 1,23 %."
    )
    assert notice in re.sub(r"\s+", " ", pdf.pages[0])  # the cover
    assert notice in pdf.section_text("Resumé", "Indstilling")
    assert notice.removeprefix("Bemærk: ") in pdf.section_text("Service og risici", None)


def test_finished_scenarios_offers_only_reportable_runs(flow_app):
    with flow_app.app_context():
        from app.reports.service import finished_scenarios

        offered = [s.id for s in finished_scenarios()]
    stored = flow_app.config["TEST_STORED_IDS"]
    wanted = [
        *flow_app.config["TEST_SCENARIO_IDS"],
        flow_app.config["TEST_NO_CHANGE_ID"],
        flow_app.config["TEST_LEASE_ID"],
        stored["feasible"],
    ]
    assert offered == sorted(wanted, reverse=True)  # newest first, each once

    planner = logged_in(flow_app, "planner")
    page = planner.get("/rapporter/ny").text
    assert "Ikke bevist optimal" in page
    for key in REFUSED:
        assert f'value="{stored[key]}"' not in page


@pytest.mark.parametrize("key", sorted(REFUSED))
def test_runs_without_a_valid_plan_are_refused_on_the_web(flow_app, key):
    from app.extensions import db
    from app.models import Report

    scenario_id = flow_app.config["TEST_STORED_IDS"][key]
    planner = logged_in(flow_app, "planner")
    with flow_app.app_context():
        before = db.session.scalar(db.select(db.func.count(Report.id)))
    page = planner.get(f"/rapporter/ny?scenarie={scenario_id}")
    assert page.status_code == 200 and REFUSED[key] in page.text
    token = _csrf(planner, "/rapporter/ny")
    response = planner.post(
        "/rapporter/ny",
        data={"csrf_token": token, "scenario_id": scenario_id, "include_baseline": "1"},
    )
    assert response.status_code == 400
    assert REFUSED[key] in response.text
    # As an alternative beside a good recommendation too.
    response = planner.post(
        "/rapporter/ny",
        data={
            "csrf_token": token,
            "scenario_id": flow_app.config["TEST_SCENARIO_IDS"][0],
            "alternative_ids": [scenario_id],
        },
    )
    assert response.status_code == 400 and REFUSED[key] in response.text
    with flow_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Report.id))) == before


@pytest.mark.parametrize("key", sorted(REFUSED))
def test_runs_without_a_valid_plan_are_refused_by_the_cli(flow_app, key, tmp_path):
    out = tmp_path / "rapport.pdf"
    scenario_id = flow_app.config["TEST_STORED_IDS"][key]
    runner = flow_app.test_cli_runner()
    result = runner.invoke(args=["report", "build", "--scenario", str(scenario_id), "--out", out])
    assert result.exit_code != 0 and REFUSED[key] in result.output
    assert not out.exists()  # nothing half-written
    good = str(flow_app.config["TEST_SCENARIO_IDS"][0])
    args = ["report", "build", "--scenario", good, "--alternative", str(scenario_id)]
    result = runner.invoke(args=[*args, "--out", out])
    assert result.exit_code != 0 and REFUSED[key] in result.output
    assert not out.exists()


def test_a_draft_whose_scenario_then_fails_cannot_become_a_pdf(flow_app):
    """The draft was made from a good run; the scenario was run again and failed."""
    from app.extensions import db
    from app.models import Job, Report, Scenario, ScenarioRun, utcnow

    planner = logged_in(flow_app, "planner")
    token = _csrf(planner, "/rapporter/ny")
    with flow_app.app_context():
        source = db.session.get(Scenario, flow_app.config["TEST_SCENARIO_IDS"][0])
        copy = Scenario(
            name="Kørt igen",
            kind=source.kind,
            period_start=source.period_start,
            period_end=source.period_end,
            location_ids=source.location_ids,
            location_names=source.location_names,
            setup=source.setup,
            snapshot_blob=source.snapshot_blob,
            snapshot_summary=source.snapshot_summary,
        )
        run = source.latest_run
        copy.runs.append(
            ScenarioRun(status="finished", summary=run.summary, result_blob=run.result_blob)
        )
        db.session.add(copy)
        db.session.commit()
        scenario_id = copy.id
    response = planner.post("/rapporter/ny", data={"csrf_token": token, "scenario_id": scenario_id})
    assert response.status_code == 302
    report_url = response.headers["Location"]
    report_id = int(report_url.rstrip("/").rsplit("/", 1)[1])
    assert "en kan ikke laves" not in planner.get(report_url).text  # a good run: no warning
    with flow_app.app_context():
        jobs_before = db.session.scalar(db.select(db.func.count(Job.id)))
        failed = dict(db.session.get(Scenario, scenario_id).latest_run.summary)
        failed.update(state="failed", state_message="Planen har fejl.")
        db.session.add(
            ScenarioRun(
                scenario_id=scenario_id, status="failed", summary=failed, finished_at=utcnow()
            )
        )
        db.session.commit()

    page = planner.get(report_url)  # said before "Lav PDF" is pressed
    assert "en kan ikke laves" in page.text and "har ingen gyldig plan" in page.text
    form = {"csrf_token": token, "title": "Skal ikke laves", "sections": ["resume"]}
    response = planner.post(f"{report_url}/lav-pdf", data=form)
    assert response.status_code == 409
    assert "en kan ikke laves" in response.text
    assert "har ingen gyldig plan" in response.text and "Planen har fejl." in response.text
    preview = planner.get(f"{report_url}/forhaandsvisning")
    assert preview.status_code == 409 and "har ingen gyldig plan" in preview.text
    response = planner.post(report_url, data={**form, "action": "redraft"})
    assert "har ingen gyldig plan" in planner.get(response.headers["Location"]).text
    with flow_app.app_context():
        work_queue()
        report = db.session.get(Report, report_id)
        assert report.status == "draft" and report.job_id is None and report.file_path is None
        assert db.session.scalar(db.select(db.func.count(Job.id))) == jobs_before
        assert report.title == "Skal ikke laves"  # what the planner typed is kept
