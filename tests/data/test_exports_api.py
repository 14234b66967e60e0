"""Exports (formula neutralising, filters), the BI API with tokens, and retention."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.data.conftest import count, local


@pytest.fixture
def dangerous_names(app, register):
    from app.extensions import db
    from app.models import Vehicle

    with app.app_context():
        v = db.session.scalar(select(Vehicle).where(Vehicle.fleet_id == "264"))
        v.make = "=cmd|' /C calc'!A0"
        v.model = "@SUM(1+1)"
        v.plate = "+45 1234"
        db.session.commit()


def test_csv_and_xlsx_exports_neutralise_formulas(app, dangerous_names, planner_client, tmp_path):
    text = planner_client.get("/data/eksport/koeretoejer.csv").data.decode("utf-8-sig")
    row = next(line for line in text.splitlines() if line.startswith("264;"))
    assert "'=cmd|' /C calc'!A0" in row and ";'@SUM(1+1);" in row and ";'+45 1234;" in row
    book = load_workbook(io.BytesIO(planner_client.get("/data/eksport/koeretoejer.xlsx").data))
    sheet = book.active
    values = [c.value for c in next(r for r in sheet.iter_rows() if r[0].value == "264")]
    assert (
        values[1] == "'+45 1234"
        and values[2] == "'=cmd|' /C calc'!A0"
        and values[3] == "'@SUM(1+1)"
    )
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    # Re-importing the export gives back the original text (the apostrophe is ours).
    path = tmp_path / "register.xlsx"
    path.write_bytes(planner_client.get("/data/eksport/koeretoejer.xlsx").data)
    from app.data.service import run_import

    with app.app_context():
        report = run_import("vehicles", path, path.name)
    assert report.ok and report.rows_skipped == 5, [e.text() for e in report.errors]


def test_trip_export_filters_by_period_location_and_vehicle(app, register, planner_client):
    from app.extensions import db
    from app.models import RoundTrip

    vid = register["vehicles"]
    with app.app_context():
        db.session.add_all(
            [
                RoundTrip(
                    vehicle_id=vid["264"],
                    location_id=register["nord"],
                    start_time=local(2026, 3, 31, 23, 30),
                    end_time=local(2026, 4, 1, 1, 0),
                    distance_km=3.5,
                ),
                RoundTrip(
                    vehicle_id=vid["AB1001"],
                    location_id=register["syd"],
                    start_time=local(2026, 4, 2, 8),
                    end_time=local(2026, 4, 2, 9),
                    distance_km=10,
                ),
            ]
        )
        db.session.commit()
    text = planner_client.get("/data/eksport/rundture.csv").data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "trip_id;vehicle;location;start;end;distance_km;driving_minutes"
    assert len(lines) == 4
    march = planner_client.get(
        "/data/eksport/rundture.csv?start=2026-03-01&end=2026-03-31"
    ).data.decode("utf-8-sig")
    assert len(march.splitlines()) == 3  # the trip starting 31 March 23:30 local is March
    assert "2026-03-31 23:30:00+02:00;2026-04-01 01:00:00+02:00;3,5;" in march
    syd = planner_client.get(f"/data/eksport/rundture.csv?location={register['syd']}").data.decode(
        "utf-8-sig"
    )
    assert len(syd.splitlines()) == 2 and "AB1001" in syd
    one = planner_client.get(f"/data/eksport/rundture.xlsx?vehicle={vid['26']}")
    sheet = load_workbook(io.BytesIO(one.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1:6] == (
        "26",
        "Hjemmeplejen Nord",
        datetime(2026, 3, 2, 8, 0),
        datetime(2026, 3, 2, 10, 0),
        20,
    )
    # The CSV export re-imports as a trips file: nothing new.
    from app.data.service import run_import

    path = app.instance_path + "/export.csv"
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    with app.app_context():
        from pathlib import Path

        report = run_import("trips", Path(path), "export.csv", apply=False)
    assert report.ok and report.rows_skipped == 3 and report.rows_added == 0


def test_api_needs_a_token_and_is_read_only(app, register, planner_client, viewer_client):
    client = app.test_client()
    assert client.get("/api/v1/vehicles").status_code == 401  # a token is needed
    wrong = client.get("/api/v1/vehicles", headers={"Authorization": "Bearer fo_wrong"})
    assert wrong.status_code == 401 and "API-nøgle" in wrong.get_json()["fejl"]
    token = csrf_token(planner_client, "/data/api")
    page = planner_client.post("/data/api/tokens", data={"csrf_token": token, "name": "Power BI"})
    plain = page.text.split("data-token>")[1].split("<")[0]
    assert plain.startswith("fo_")
    auth = {"Authorization": f"Bearer {plain}"}
    vehicles = client.get("/api/v1/vehicles", headers=auth).get_json()
    assert {v["fleet_id"] for v in vehicles["data"]} == {"26", "264", "AB1001", "D1", "CYK1"}
    trips = client.get(
        "/api/v1/round_trips?start=2026-03-02&end=2026-03-02", headers=auth
    ).get_json()
    assert trips["data"][0]["start"] == "2026-03-02T08:00:00+01:00"
    paged = client.get("/api/v1/vehicles?limit=2", headers=auth).get_json()
    assert len(paged["data"]) == 2 and paged["next_after_id"] == paged["data"][-1]["id"]
    following = client.get(
        f"/api/v1/vehicles?limit=2&after_id={paged['next_after_id']}", headers=auth
    ).get_json()
    assert following["data"][0]["id"] > paged["next_after_id"]
    assert client.get("/api/v1/locations", headers=auth).get_json()["data"][0]["parking_points"]
    assert client.get("/api/v1/import_batches", headers=auth).status_code == 200
    assert client.post("/api/v1/vehicles", headers=auth).status_code in (400, 405)
    # Only a hash is stored.
    from app.extensions import db
    from app.models import ApiToken

    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert plain not in repr([stored.token_hash, stored.prefix, stored.name])
        assert stored.last_used_at is not None
        token_id = stored.id
    # Viewers see the page but cannot create tokens; revoking ends access.
    assert viewer_client.get("/data/api").status_code == 200
    viewer_token = csrf_token(viewer_client, "/data/api")
    assert (
        viewer_client.post("/data/api/tokens", data={"csrf_token": viewer_token}).status_code == 403
    )
    planner_client.post(f"/data/api/tokens/{token_id}/tilbagekald", data={"csrf_token": token})
    assert client.get("/api/v1/vehicles", headers=auth).status_code == 401  # revoked
    # A token opens the read-only API only: not the web pages, and never a change.
    assert client.get("/data/", headers=auth).status_code == 302


def test_retention_deletes_old_trips_with_an_audit_event(
    app, register, admin_client, planner_client
):
    from app.data.retention import apply_retention, cutoff
    from app.extensions import db
    from app.models import AuditEvent, RoundTrip

    vid = register["vehicles"]["26"]
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    with app.app_context():
        for month in (1, 6, 10):
            db.session.add(
                RoundTrip(
                    vehicle_id=vid,
                    location_id=register["nord"],
                    start_time=local(2025, month, 15, 8),
                    end_time=local(2025, month, 15, 9),
                    distance_km=5,
                )
            )
        db.session.commit()
    assert planner_client.get("/data/opbevaring").status_code == 403
    token = csrf_token(admin_client, "/data/opbevaring")
    admin_client.post("/data/opbevaring", data={"csrf_token": token, "months": "12"})
    with app.app_context():
        assert cutoff(now) == local(2025, 11, 28)
        assert apply_retention(now=now) == 3
        assert db.session.scalar(select(db.func.count(RoundTrip.id))) == 1
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "retention_applied")
        )
        assert event.details["rundture_slettet"] == 3 and event.details["måneder"] == 12
        changed = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "retention_changed")
        )
        assert changed.details["måneder"] == {"før": 24, "efter": 12}
    bad = admin_client.post(
        "/data/opbevaring", data={"csrf_token": token, "months": "0"}, follow_redirects=True
    )
    assert "Angiv mellem 1 og 120 måneder." in bad.text
    # The button runs the same retention now.
    now_button = admin_client.post(
        "/data/opbevaring/koer", data={"csrf_token": token, "now": "1"}, follow_redirects=True
    )
    assert "rundture ældre end 12 måneder er slettet" in now_button.text


def test_daily_retention_job_is_enqueued_once_and_runs(app, register, admin_client):
    from rq import SimpleWorker

    from app.extensions import db
    from app.jobs.queue import job_queue, redis_connection
    from app.models import Job

    app.config["FLEET_RETENTION_SCHEDULE"] = True
    admin_client.get("/")
    admin_client.get("/data/")
    with app.app_context():
        jobs = db.session.scalars(select(Job)).all()
        assert [j.kind for j in jobs] == ["retention"]
        SimpleWorker([job_queue()], connection=redis_connection()).work(burst=True)
        db.session.expire_all()
        job = db.session.get(Job, jobs[0].id)
        assert job.status == "finished" and job.result == {"rundture_slettet": 0}
    assert count(app, "round_trip") == 1
