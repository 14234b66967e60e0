"""One demo municipality with finished scenarios and one built report, per test session.

Loading the demo data and running the engine take seconds; every report test reads the
same results, so they are made once. Scenarios use one small location (Rådhuset) and
three weeks so the engine finishes quickly. Besides two optimisations and a simulation of
today's fleet, stored copies give the runs a report must refuse (no valid plan, target not
reachable, stored before the like-for-like comparison) or flag (not proven optimal).
The flow tests run on SQLite and again on PostgreSQL (`flow_app`).
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import (
    PASSWORD,
    PG_HOST,
    PG_PORT,
    POSTGRES_AVAILABLE,
    create_user,
    login,
    make_app,
)
from tests.reports.pdftools import ReportPdf
from tests.support import work_queue

PERIOD = (date(2026, 10, 1), date(2026, 10, 21))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"


# Runs a report must refuse or flag, stored beside real ones (copies of the recommended
# scenario's result with the state the scenario job writes in each case).
STORED_RUNS = {
    "failed": (
        "Ingen gyldig plan",
        "failed",
        "failed",
        "Tidsgrænsen blev nået, før der var en plan.",
    ),
    "unreachable": ("Mål ikke nået", "unreachable", "unreachable", "Målet kan ikke nås."),
    "old": ("Kørt før sammenligningen", "finished", None, ""),
    "feasible": ("Ikke bevist optimal", "finished", "feasible", "Tidsgrænsen stoppede beviset."),
}
FEASIBLE_GAP = 0.0123


def _store_run(source, setup, status: str, state: str | None, message: str) -> int:
    """A scenario like `source` with one stored run in the given status and state."""
    from app.extensions import db
    from app.models import ScenarioRun, utcnow
    from app.scenarios.service import create_scenario

    scenario = create_scenario(setup, None)
    run = source.latest_run
    summary = dict(run.summary)
    if state is None:  # as stored before the like-for-like comparison existed
        for key in ("comparison", "effects", "target", "state", "state_message"):
            summary.pop(key, None)
    else:
        summary.update(state=state, state_message=message)
        if state in ("failed", "unreachable"):  # no plan to compare, as the job stores it
            summary.update(comparison=None, effects=None)
        if state == "feasible":
            summary["gap"] = FEASIBLE_GAP
    db.session.add(
        ScenarioRun(
            scenario=scenario,
            status=status,
            summary=summary,
            result_blob=run.result_blob,
            finished_at=utcnow(),
        )
    )
    db.session.commit()
    return scenario.id


def populate(app) -> None:
    """The demo municipality, three real scenario runs and the stored special cases."""
    from app.demo.service import load_demo_data
    from app.extensions import db
    from app.models import Job, Location, Scenario
    from app.scenarios.service import ScenarioSetup, create_scenario, start_run

    load_demo_data(seed=2026, end=date(2026, 10, 31))
    location = db.session.scalar(db.select(Location).where(Location.name == "Rådhuset"))

    def setup(name: str, kind: str = "optimise", **kwargs) -> ScenarioSetup:
        return ScenarioSetup(
            name=name,
            kind=kind,
            period_start=PERIOD[0],
            period_end=PERIOD[1],
            location_ids=[location.id],
            **kwargs,
        )

    runs = []
    for one in (
        setup("Anbefalet flåde", alternatives=True),
        setup("CO2e halveret", co2_target_pct=50.0, alternatives=False),
        setup("Dagens flåde", kind="simulate"),  # no counts chosen: today's fleet
    ):
        runs.append(start_run(create_scenario(one, None), None))
    # Three of Rådhuset's four Kia e-Niro go; their leases end 27 January, 8 June and
    # 4 October 2027 and 28 May 2028, the decision is on 1 July 2027: one lease that ended
    # before it and one that still runs after it among the three that go.
    fewer = create_scenario(
        setup("Færre elbiler", kind="simulate", overrides={"_decision_date": "2027-07-01"}),
        None,
    )
    # The engine may split the Kias into groups (by km allowance): the one Kia kept is in
    # the group with the latest lease, so the other three are the ones handed in.
    kia_lines = [line for line in fewer.snapshot_summary["fleet"] if "Kia e-Niro" in line["group"]]
    lease_of = {v["vehicle_id"]: v["lease_end"] or "" for v in fewer.snapshot["vehicles"]}
    kept_group = max(
        kia_lines, key=lambda line: max(lease_of.get(v, "") for v in line["vehicle_ids"])
    )["group"]
    fewer.setup = {
        **fewer.setup,
        "counts": [
            {
                "pool": line["pool"],
                "group": line["group"],
                "count": (1 if line["group"] == kept_group else 0)
                if "Kia e-Niro" in line["group"]
                else line["current_count"],
            }
            for line in fewer.snapshot_summary["fleet"]
        ],
    }
    db.session.commit()
    runs.append(start_run(fewer, None))
    work_queue()
    db.session.expire_all()
    for run in runs:
        if run.status != "finished":
            job = db.session.get(Job, run.job_id)
            pytest.fail(f"scenario run failed: {job.error}\n{job.error_detail}")
        if not run.summary.get("comparison"):
            pytest.fail("the scenario job stores no summary['comparison'] (like-for-like)")
    app.config["TEST_SCENARIO_IDS"] = [run.scenario_id for run in runs[:2]]
    app.config["TEST_NO_CHANGE_ID"] = runs[2].scenario_id
    app.config["TEST_LEASE_ID"] = runs[3].scenario_id
    source = db.session.get(Scenario, runs[0].scenario_id)
    app.config["TEST_STORED_IDS"] = {
        key: _store_run(source, setup(name), status, state, message)
        for key, (name, status, state, message) in STORED_RUNS.items()
    }
    for role in ("viewer", "planner", "admin"):
        create_user(app, role)


def _dispose(app) -> None:
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def report_app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("reports"))
    with app.app_context():
        populate(app)
    yield app
    _dispose(app)


@pytest.fixture(scope="session")
def report_app_pg(tmp_path_factory):
    """The same municipality and runs on PostgreSQL (a database of its own, dropped after)."""
    if not POSTGRES_AVAILABLE:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    import psycopg

    name = f"fleet_test_reports_{uuid.uuid4().hex[:10]}"
    admin_url = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
        app = make_app(tmp_path_factory.mktemp("reports-pg"), url)
        with app.app_context():
            populate(app)
        yield app
        _dispose(app)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def flow_app(request):
    """The report app on SQLite and again on PostgreSQL (the production database)."""
    return request.getfixturevalue("report_app_pg" if request.param == "postgres" else "report_app")


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
