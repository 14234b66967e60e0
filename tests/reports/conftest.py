"""One demo municipality with two finished scenarios and one built report, per test session.

Loading the demo data and running the engine take seconds; every report test reads the
same results, so they are made once. Scenarios use one small location (Rådhuset) and
three weeks so the engine finishes quickly.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, create_user, login, make_app
from tests.reports.pdftools import ReportPdf
from tests.support import work_queue

PERIOD = (date(2026, 10, 1), date(2026, 10, 21))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"


@pytest.fixture(scope="session")
def report_app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("reports"))
    with app.app_context():
        from app.demo.service import load_demo_data
        from app.extensions import db
        from app.models import Job, Location
        from app.scenarios.service import ScenarioSetup, create_scenario, start_run

        load_demo_data(seed=2026, end=date(2026, 10, 31))
        location = db.session.scalar(db.select(Location).where(Location.name == "Rådhuset"))
        runs = []
        for name, co2_target, alternatives in (
            ("Anbefalet flåde", None, True),
            ("CO2e halveret", 50.0, False),
        ):
            scenario = create_scenario(
                ScenarioSetup(
                    name=name,
                    kind="optimise",
                    period_start=PERIOD[0],
                    period_end=PERIOD[1],
                    location_ids=[location.id],
                    co2_target_pct=co2_target,
                    alternatives=alternatives,
                ),
                None,
            )
            runs.append(start_run(scenario, None))
        work_queue()
        db.session.expire_all()
        for run in runs:
            if run.status != "finished":
                job = db.session.get(Job, run.job_id)
                pytest.fail(f"scenario run failed: {job.error}\n{job.error_detail}")
        app.config["TEST_SCENARIO_IDS"] = [run.scenario_id for run in runs]
        for role in ("viewer", "planner", "admin"):
            create_user(app, role)
    yield app
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def scenario_ids(report_app) -> list[int]:
    return report_app.config["TEST_SCENARIO_IDS"]


@pytest.fixture
def report_ctx(report_app):
    with report_app.app_context():
        yield report_app


def logged_in(app, role: str):
    client = app.test_client()
    response = login(client, f"{role}@kommune.dk", PASSWORD)
    assert response.status_code == 302, response.text
    return client


@pytest.fixture(scope="session")
def built_report(report_app, scenario_ids):
    """The full report (recommended + one alternative + baseline), built once."""
    from reports.builder import ReportRequest, build_report

    with report_app.app_context():
        built = build_report(
            ReportRequest(
                scenario_id=scenario_ids[0],
                alternative_ids=scenario_ids[1:],
                organisation="Demo Kommune",
                department="Social- og Sundhedsforvaltningen",
                author="Pia Planlægger",
                made_on=date(2026, 11, 28),
            )
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "rapport.pdf").write_bytes(built.pdf)
    return built


@pytest.fixture(scope="session")
def report_pdf(built_report) -> ReportPdf:
    return ReportPdf(built_report.pdf)
