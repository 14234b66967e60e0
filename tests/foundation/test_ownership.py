"""Planners may not change each other's work; administrators may, and it is audited.

The finding: editing and rendering another planner's report draft worked unaudited (the PDF
still named the original author only), running another planner's simulation overwrote
its stored counts (the owner's next run failed with "ukendt pulje"), and undoing
another's import had no owner check. Buttons the user may not use are hidden; the server
refuses regardless.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from app.extensions import db
from tests.conftest import create_user, csrf_token, login
from tests.data.conftest import local, make_register
from tests.support import work_queue

OWNER, OTHER, ADMIN = "ejer@kommune.dk", "kollega@kommune.dk", "admin@kommune.dk"


def client(app, email):
    c = app.test_client()
    assert login(c, email).status_code == 302
    return c


def audit(app, action: str) -> list:
    from app.models import AuditEvent

    with app.app_context():
        return db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Two planners and an admin; the owner's finished simulation, a report draft from
    it and a trips import of the owner's."""
    from app.models import ImportBatch, RoundTrip, User
    from app.reports.service import create_draft
    from app.scenarios.service import ScenarioSetup, create_scenario, start_run
    from tests.conftest import make_app

    app = make_app(tmp_path_factory.mktemp("ownership"))
    register = make_register(app)
    create_user(app, "planner", OWNER)
    create_user(app, "planner", OTHER)
    create_user(app, "admin", ADMIN)
    with app.app_context():
        vehicles = register["vehicles"]
        for day in range(1, 15):
            for fleet_id in ("26", "264"):
                start = local(2026, 3, day, 11 + (fleet_id == "264"), 0)
                db.session.add(
                    RoundTrip(
                        vehicle_id=vehicles[fleet_id],
                        location_id=register["nord"],
                        start_time=start,
                        end_time=start + timedelta(hours=2),
                        distance_km=25.0,
                        driving_minutes=50,
                    )
                )
        db.session.commit()
        owner = db.session.scalar(db.select(User).where(User.email == OWNER))
        scenario = create_scenario(
            ScenarioSetup(
                name="Ejerens simulering",
                kind="simulate",
                period_start=date(2026, 3, 1),
                period_end=date(2026, 3, 31),
                location_ids=[register["nord"]],
            ),
            owner,
        )
        start_run(scenario, owner)
        work_queue()
        db.session.expire_all()
        assert scenario.latest_run.status == "finished", scenario.latest_run.job.error
        report = create_draft(scenario.id, [], True, owner)
        batch = ImportBatch(
            kind="trips", file_name="ture.csv", user_id=owner.id, status="applied", checksum="x"
        )
        db.session.add(batch)
        db.session.commit()
        app.config.update(
            T_SCENARIO=scenario.id, T_REPORT=report.id, T_BATCH=batch.id, T_OWNER=owner.id
        )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def scenario_state(app):
    from app.models.scenarios import Scenario

    with app.app_context():
        scenario = db.session.get(Scenario, app.config["T_SCENARIO"])
        return dict(scenario.setup), len(scenario.runs), scenario.owner_id


def counts_form(app, token: str, count: int) -> dict:
    from app.models.scenarios import Scenario

    with app.app_context():
        scenario = db.session.get(Scenario, app.config["T_SCENARIO"])
        fleet = scenario.snapshot_summary["fleet"]
    form = {"csrf_token": token}
    for line in fleet:
        form[f"count__{line['pool']}__{line['group']}"] = str(count)
    return form


# --- Scenarios ---------------------------------------------------------------------------


def test_another_planner_runs_a_copy_and_the_owners_counts_stay(world):
    app = world
    before = scenario_state(app)
    other = client(app, OTHER)
    sid = app.config["T_SCENARIO"]
    page = other.get(f"/scenarier/{sid}")
    assert "Kør som min kopi" in page.text and "tilhører en anden" in page.text
    response = other.post(f"/scenarier/{sid}/koer", data=counts_form(app, csrf_token(other), 0))
    assert response.status_code == 302
    copy_id = int(re.search(r"/scenarier/(\d+)", response.location).group(1))
    assert copy_id != sid
    assert scenario_state(app) == before  # counts, runs and owner untouched
    from app.models import User
    from app.models.scenarios import Scenario

    with app.app_context():
        copy = db.session.get(Scenario, copy_id)
        other_id = db.session.scalar(db.select(User.id).where(User.email == OTHER))
        assert copy.owner_id == other_id
        assert copy.duplicated_from_id == sid
        assert copy.snapshot_blob == db.session.get(Scenario, sid).snapshot_blob
        assert {line["count"] for line in copy.setup["counts"]} == {0}
        assert len(copy.runs) == 1
    created = [e for e in audit(app, "scenario_created") if e.details.get("kopi_af") == sid]
    assert created and created[-1].user_id == other_id
    assert "tilhører" in other.get(response.location).text


def test_the_owner_runs_in_place_and_the_change_is_audited(world):
    app = world
    owner = client(app, OWNER)
    sid = app.config["T_SCENARIO"]
    assert "Kør simulering" in owner.get(f"/scenarier/{sid}").text
    _setup, runs, _ = scenario_state(app)
    response = owner.post(f"/scenarier/{sid}/koer", data=counts_form(app, csrf_token(owner), 1))
    assert response.location.endswith(f"/scenarier/{sid}")
    setup, runs_after, _ = scenario_state(app)
    assert runs_after == runs + 1 and {line["count"] for line in setup["counts"]} == {1}
    change = audit(app, "scenario_counts_changed")[-1]
    assert change.user_id == app.config["T_OWNER"]
    assert "administrator_på_andens_vegne" not in change.details
    with app.app_context():
        work_queue()


def test_an_admin_runs_in_place_and_the_override_is_audited(world):
    app = world
    admin = client(app, ADMIN)
    sid = app.config["T_SCENARIO"]
    _setup, runs, owner = scenario_state(app)
    response = admin.post(f"/scenarier/{sid}/koer", data={"csrf_token": csrf_token(admin)})
    assert response.location.endswith(f"/scenarier/{sid}")
    assert scenario_state(app)[1:] == (runs + 1, owner)
    started = audit(app, "scenario_run_started")[-1]
    assert started.details["administrator_på_andens_vegne"] is True
    assert started.details["ejer"] == owner
    with app.app_context():
        work_queue()


# --- Report drafts -----------------------------------------------------------------------


def report_row(app):
    from app.models.reports import Report

    with app.app_context():
        report = db.session.get(Report, app.config["T_REPORT"])
        return report.title, dict(report.texts), report.status, report.job_id


@pytest.mark.parametrize("action", ["", "/lav-pdf"])
def test_another_planner_may_not_edit_redraft_or_render_a_draft(world, action):
    app = world
    other = client(app, OTHER)
    rid = app.config["T_REPORT"]
    before = report_row(app)
    page = other.get(f"/rapporter/{rid}")
    assert f'action="/rapporter/{rid}"' not in page.text  # no edit form, no buttons
    assert "Lav PDF" not in page.text and "kopiér den til en ny kladde" in page.text
    token = csrf_token(other)
    for extra in ({}, {"action": "redraft"}):
        response = other.post(
            f"/rapporter/{rid}{action}",
            data={"csrf_token": token, "title": "Kaprede", "resume": "x", **extra},
        )
        assert response.status_code == 403
        assert "Kun rapportens forfatter eller en administrator" in response.text
    assert report_row(app) == before


def test_the_author_edits_and_it_is_audited(world):
    app = world
    owner = client(app, OWNER)
    rid = app.config["T_REPORT"]
    assert f'action="/rapporter/{rid}"' in owner.get(f"/rapporter/{rid}").text
    response = owner.post(
        f"/rapporter/{rid}",
        data={"csrf_token": csrf_token(owner), "title": "Ejerens titel", "resume": "Kort"},
    )
    assert response.status_code == 302
    assert report_row(app)[0] == "Ejerens titel"
    event = audit(app, "report_updated")[-1]
    assert event.user_id == app.config["T_OWNER"]
    assert event.details["titel"]["efter"] == "Ejerens titel"
    assert "administrator_på_andens_vegne" not in event.details


def test_an_admin_edits_and_renders_and_the_pdf_names_both(world):
    from app.models import User
    from app.models.reports import Report
    from app.reports.service import request_for

    app = world
    admin = client(app, ADMIN)
    rid = app.config["T_REPORT"]
    token = csrf_token(admin)
    response = admin.post(
        f"/rapporter/{rid}", data={"csrf_token": token, "title": "Rettet af admin"}
    )
    assert response.status_code == 302
    updated = audit(app, "report_updated")[-1]
    assert updated.details["administrator_på_andens_vegne"] is True
    assert updated.details["forfatter"] == app.config["T_OWNER"]
    response = admin.post(
        f"/rapporter/{rid}", data={"csrf_token": token, "action": "redraft", "title": "R"}
    )
    assert audit(app, "report_redrafted")[-1].details["administrator_på_andens_vegne"] is True
    response = admin.post(f"/rapporter/{rid}/lav-pdf", data={"csrf_token": token, "title": "R"})
    assert response.status_code == 302
    started = audit(app, "report_pdf_started")[-1]
    assert started.details["administrator_på_andens_vegne"] is True
    with app.app_context():
        report = db.session.get(Report, rid)
        owner = db.session.get(User, app.config["T_OWNER"])
        author = request_for(report).author
        assert author.startswith(owner.name or owner.email)
        assert "PDF lavet af Admin" in author
        # The preview (no PDF job yet for the viewer of the page) names the author alone.
        assert request_for(report, maker=None).author == (owner.name or owner.email)


# --- Imports -----------------------------------------------------------------------------


def batch_status(app):
    from app.models import ImportBatch

    with app.app_context():
        return db.session.get(ImportBatch, app.config["T_BATCH"]).status


def test_another_planner_may_not_undo_an_import(world):
    app = world
    other = client(app, OTHER)
    bid = app.config["T_BATCH"]
    page = other.get("/data/")
    assert f"/data/import/{bid}/fortryd" not in page.text
    response = other.post(f"/data/import/{bid}/fortryd", data={"csrf_token": csrf_token(other)})
    assert response.status_code == 403
    assert "Kun den, der lavede importen, eller en administrator" in response.text
    assert batch_status(app) == "applied"
    assert f"/data/import/{bid}/fortryd" in client(app, OWNER).get("/data/").text


def test_an_admin_undoes_someone_elses_import_and_it_is_audited(world):
    app = world
    admin = client(app, ADMIN)
    bid = app.config["T_BATCH"]
    response = admin.post(f"/data/import/{bid}/fortryd", data={"csrf_token": csrf_token(admin)})
    assert response.status_code == 302
    assert batch_status(app) == "undone"
    event = audit(app, "data_import_undone")[-1]
    assert event.details["administrator_på_andens_vegne"] is True
    assert event.details["importeret_af"] == app.config["T_OWNER"]


# --- The job list ------------------------------------------------------------------------


def test_job_list_shows_no_raw_exception_or_colleagues_email_to_non_admins(world):
    from app.models import Job

    app = world
    trace = (
        "Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'hemmelig-pulje'\n"
    )
    with app.app_context():
        raw = Job(
            kind="selftest",
            title="Rå fejl",
            status="failed",
            user_id=app.config["T_OWNER"],
            error="Jobbet fejlede: 'hemmelig-pulje'",
            error_detail=trace,
        )
        danish = Job(
            kind="selftest",
            title="Dansk fejl",
            status="failed",
            user_id=app.config["T_OWNER"],
            error="Importen fejlede: 3 rækker er ugyldige",
            error_detail=(
                "Traceback ...\napp.jobs.runner.JobFailed: Importen fejlede: 3 rækker er ugyldige\n"
            ),
        )
        db.session.add_all([raw, danish])
        db.session.commit()
    other = client(app, OTHER).get("/jobs/").text
    assert "hemmelig-pulje" not in other and "Jobbet fejlede." in other
    assert "Importen fejlede: 3 rækker er ugyldige" in other  # meant for users
    assert OWNER not in other and ADMIN not in other and "Planlægger" in other
    mine = client(app, OWNER).get("/jobs/").text
    assert "<td>dig</td>" in mine
    admin = client(app, ADMIN).get("/jobs/").text
    assert "hemmelig-pulje" in admin and OWNER in admin and "Teknisk detalje" in admin
