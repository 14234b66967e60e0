"""Round-trip uploads: parsing Danish conventions, atomic save, dedup, undo, jobs, CLI."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.data.conftest import count, fingerprint, local, make_register

GOOD = (
    "Køretøj;Lokation;Start;Slut;Km;Køretid min;Chauffør;CPR\n"
    "26;Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 09:30;12,5;40;Jens Hansen;010190-1234\n"
    "264;Hjemmeplejen Nord;03.03.2026 07:15:00;03.03.2026 08:05:00;7;25,5;Ole;020290-2345\n"
    "AB 12 345;Hjemmeplejen Nord;2026-03-04T10:00:00+01:00;2026-03-04 11:00;4,2;;Eva;\n"
    "AB1001;;2026-03-04 12:00;2026-03-04 13:00;30;50;;\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(app, path: Path, kind: str = "trips", apply: bool = True, user=None):
    from app.data.service import run_import

    with app.app_context():
        return run_import(kind, path, path.name, apply=apply, user=user)


def trips(app) -> list[tuple]:
    from app.extensions import db
    from app.models import RoundTrip, Vehicle

    with app.app_context():
        rows = db.session.execute(
            select(
                Vehicle.fleet_id,
                RoundTrip.start_time,
                RoundTrip.end_time,
                RoundTrip.distance_km,
                RoundTrip.driving_minutes,
                RoundTrip.location_id,
                RoundTrip.import_batch_id,
            )
            .join(Vehicle, Vehicle.id == RoundTrip.vehicle_id)
            .order_by(RoundTrip.start_time, Vehicle.fleet_id)
        ).all()
        return [tuple(r) for r in rows]


def test_good_file_preview_then_save(app, register, tmp_path):
    path = write(tmp_path, "rundture.csv", GOOD)
    before = fingerprint(app)
    preview = run(app, path, apply=False)
    assert preview.ok, preview.errors
    assert (preview.rows_read, preview.rows_added, preview.rows_skipped) == (4, 4, 0)
    assert fingerprint(app) == before  # the preview changes nothing
    # Driver names and CPR numbers are ignored and reported.
    assert preview.ignored_columns == ["Chauffør", "CPR"]
    assert any("personoplysninger" in note for note in preview.notes)
    assert preview.sample_rows[0][0] == "26"

    saved = run(app, path)
    assert saved.applied and saved.rows_added == 4
    stored = trips(app)
    assert len(stored) == 5  # plus the fixture's trip
    by_vehicle = {(r[0], r[1]): r for r in stored}
    # 08:00 Danish winter time is 07:00 UTC.
    trip = by_vehicle[("26", datetime(2026, 3, 3, 7, 0, tzinfo=UTC))]
    assert trip[2] == datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    assert (trip[3], trip[4]) == (12.5, 40.0)
    # Found by number plate (spaces ignored), with an explicit UTC offset in the cell.
    assert ("264", datetime(2026, 3, 4, 9, 0, tzinfo=UTC)) in by_vehicle
    # No location given: the vehicle's home location on that day.
    assert by_vehicle[("AB1001", datetime(2026, 3, 4, 11, 0, tzinfo=UTC))][5] == register["syd"]

    from app.extensions import db
    from app.models import AuditEvent, ImportBatch

    with app.app_context():
        batch = db.session.get(ImportBatch, saved.batch_id)
        assert batch.checksum == hashlib.sha256(path.read_bytes()).hexdigest()
        # The kept copy has the personal columns cut out (they are never stored).
        kept = (Path(app.instance_path) / batch.stored_path).read_text(encoding="utf-8")
        assert kept.startswith("Køretøj;Lokation;Start;Slut;Km;Køretid min\n")
        assert "Jens" not in kept and "010190-1234" not in kept and "12,5" in kept
        assert batch.details["removed_columns"] == ["Chauffør", "CPR"]
        assert (batch.rows_read, batch.rows_added, batch.status) == (4, 4, "applied")
        assert "Jens" not in repr(batch.details) and "010190" not in repr(batch.details)
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "data_imported"))


def test_same_file_twice_adds_nothing(app, register, tmp_path):
    path = write(tmp_path, "rundture.csv", GOOD)
    first = run(app, path)
    assert first.rows_added == 4
    before = count(app, "round_trip")
    second = run(app, path)
    assert second.ok and second.applied
    assert (second.rows_added, second.rows_skipped) == (0, 4)
    assert any("samme fil blev importeret før" in n for n in second.notes)
    assert count(app, "round_trip") == before


def test_overlapping_periods_add_only_new_trips(app, register, tmp_path):
    lines = GOOD.splitlines()
    first = write(tmp_path, "jan.csv", "\n".join(lines[:4]) + "\n")
    second = write(tmp_path, "feb.csv", "\n".join([lines[0], *lines[2:]]) + "\n")
    assert run(app, first).rows_added == 3
    report = run(app, second)
    assert (report.rows_added, report.rows_skipped) == (1, 2)
    assert count(app, "round_trip") == 5


def test_undo_removes_exactly_one_batch(app, register, tmp_path, admin_client):
    # A system import (no user, like the nightly load): only an administrator undoes it.
    lines = GOOD.splitlines()
    a = run(app, write(tmp_path, "a.csv", "\n".join(lines[:3]) + "\n"))
    b = run(app, write(tmp_path, "b.csv", "\n".join([lines[0], *lines[3:]]) + "\n"))
    assert (a.rows_added, b.rows_added) == (2, 2)
    after_b = {r for r in trips(app) if r[6] == b.batch_id}
    token = csrf_token(admin_client, "/data/")
    response = admin_client.post(f"/data/import/{a.batch_id}/fortryd", data={"csrf_token": token})
    assert response.status_code == 302
    remaining = trips(app)
    assert not [r for r in remaining if r[6] == a.batch_id]
    assert {r for r in remaining if r[6] == b.batch_id} == after_b
    assert len(remaining) == 3  # b's two plus the fixture's trip
    page = admin_client.get("/data/").text
    assert "er fortrudt: 2 rækker fjernet" in page
    # A second undo of the same batch is refused and changes nothing.
    before = fingerprint(app)
    admin_client.post(f"/data/import/{a.batch_id}/fortryd", data={"csrf_token": token})
    assert "allerede fortrudt" in admin_client.get("/data/").text
    assert fingerprint(app) == before


def test_october_dst_night_and_excel_dates(app, register, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Forside"
    book.active.append(["Rapport fra telematik"])
    sheet = book.create_sheet("Rundture")
    sheet.append(["Vehicle", "Driver", "Start time", "End time", "Distance (km)"])
    # 02:30 summer time, back at "02:10" after the clock went back: 40 minutes later.
    sheet.append(["26", "Jens", "25-10-2026 02:30", "25-10-2026 02:10", 3])
    sheet.append(["264", "Ole", datetime(2026, 1, 5, 7, 30), datetime(2026, 1, 5, 9, 0), 14.5])
    sheet.append(["CYK1", "Eva", 46027.5, 46027.5625, 4])  # Excel serials: 12:00-13:30
    path = tmp_path / "rundture.xlsx"
    book.save(path)
    report = run(app, path)
    assert report.ok, [e.text() for e in report.errors]
    assert any("arket «Rundture»" in n for n in report.notes)
    stored = {r[0]: r for r in trips(app) if r[6] == report.batch_id}
    assert stored["26"][1] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert stored["26"][2] == datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
    assert stored["264"][1] == datetime(2026, 1, 5, 6, 30, tzinfo=UTC)
    assert stored["CYK1"][1] == datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
    assert stored["CYK1"][2] == datetime(2026, 1, 5, 12, 30, tzinfo=UTC)
    from openpyxl import load_workbook

    from app.extensions import db
    from app.models import ImportBatch

    with app.app_context():
        kept_path = (
            Path(app.instance_path) / db.session.get(ImportBatch, report.batch_id).stored_path
        )
    kept = load_workbook(kept_path)
    assert kept.sheetnames == ["Rundture"]
    assert [c.value for c in kept["Rundture"][1]] == [
        "Vehicle",
        "Start time",
        "End time",
        "Distance (km)",
    ]


def test_windows_1252_tab_delimited_with_english_headers(app, register, tmp_path):
    text = (
        "vehicle\tlocation\tstart\tend\tdistance_km\n"
        "26\tHjemmeplejen Nord\t2026-03-05 08:00\t2026-03-05 09:00\t1.234,5\n"
    )
    report = run(app, write(tmp_path, "export.txt", text, "cp1252"), apply=False)
    assert not report.ok  # 1.234,5 km is absurd, but it was read as a number
    assert "Over 1.500 km" not in report.errors[0].message
    assert "urealistisk gennemsnitsfart" in report.errors[0].message
    assert any("Windows-1252" in n or "UTF-8" in n for n in report.notes)


def test_vehicle_ids_are_never_matched_as_substrings(app, register, tmp_path):
    text = (
        "Køretøj;Start;Slut;Km\n"
        "6;03-03-2026 08:00;03-03-2026 09:00;5\n"
        "26;03-03-2026 08:00;03-03-2026 09:00;5\n"
    )
    report = run(app, write(tmp_path, "s.csv", text), apply=False)
    assert [(e.row, e.value) for e in report.errors] == [(2, "6")]
    assert report.sample_rows[0][0] == "26"


def test_upload_preview_and_save_through_the_page(app, register, planner_client):
    token = csrf_token(planner_client, "/data/")
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    response = planner_client.post(
        "/data/upload",
        data={"kind": "trips", "file": (io.BytesIO(GOOD.encode()), "rundture.csv")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert 'data-count="added">4<' in response.text
    assert "Chauffør" in response.text  # reported as ignored
    upload_token = response.text.split('name="token" value="')[1].split('"')[0]
    saved = planner_client.post(
        "/data/gem",
        data={"kind": "trips", "token": upload_token, "file_name": "rundture.csv"},
        headers=headers,
    )
    assert saved.status_code == 200
    assert "er gemt" in saved.text and 'data-count="added">4<' in saved.text
    assert 'id="import-history" hx-swap-oob="true"' in saved.text
    assert count(app, "round_trip") == 5
    # The upload is gone once saved: a second "Gem" cannot apply it again.
    again = planner_client.post(
        "/data/gem",
        data={"kind": "trips", "token": upload_token, "file_name": "rundture.csv"},
        headers=headers,
    )
    assert again.status_code == 400 and "Upload den igen" in again.text


def test_large_upload_runs_as_a_job_with_progress(app, register, planner_client):
    from rq import SimpleWorker

    from app.jobs.queue import job_queue, redis_connection

    app.config["FLEET_IMPORT_SYNC_MAX_BYTES"] = 0
    token = csrf_token(planner_client, "/data/")
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    response = planner_client.post(
        "/data/upload",
        data={"kind": "trips", "file": (io.BytesIO(GOOD.encode()), "stor.csv")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "progressbar" in response.text
    job_url = response.text.split('hx-get="')[1].split('"')[0]
    assert count(app, "round_trip") == 1
    with app.app_context():
        SimpleWorker([job_queue()], connection=redis_connection()).work(burst=True)
    preview = planner_client.get(job_url)
    assert (
        'data-count="added">4<' in preview.text
        and "hx-trigger" not in preview.text.split("Forhåndsvisning")[0]
    )
    upload_token = preview.text.split('name="token" value="')[1].split('"')[0]
    started = planner_client.post(
        "/data/gem",
        data={"kind": "trips", "token": upload_token, "file_name": "stor.csv"},
        headers=headers,
    )
    assert "progressbar" in started.text
    with app.app_context():
        SimpleWorker([job_queue()], connection=redis_connection()).work(burst=True)
    job_url = started.text.split('hx-get="')[1].split('"')[0]
    done = planner_client.get(job_url)
    assert "er gemt" in done.text
    assert count(app, "round_trip") == 5
    from app.extensions import db
    from app.models import Job

    with app.app_context():
        jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
        assert [(j.kind, j.status, j.progress) for j in jobs] == [
            ("import", "finished", 100),
            ("import", "finished", 100),
        ]


def test_upload_over_the_size_limit_gets_a_danish_message(app, register, planner_client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    token = csrf_token(planner_client, "/data/")
    response = planner_client.post(
        "/data/upload",
        data={"kind": "trips", "file": (io.BytesIO(b"x" * (1024 * 1024 + 10)), "stor.csv")},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "Filen er større end grænsen på 1 MB." in response.text


def test_cli_dry_run_applies_nothing_and_run_applies(app, register, tmp_path):
    path = write(tmp_path, "nat.csv", GOOD)
    runner = app.test_cli_runner()
    before = fingerprint(app)
    dry = runner.invoke(args=["import", "trips", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Tilføjes: 4" in dry.output and "Prøvekørsel: intet er gemt." in dry.output
    assert fingerprint(app) == before
    real = runner.invoke(args=["import", "trips", str(path)])
    assert real.exit_code == 0 and "Gemt som import nr." in real.output
    assert count(app, "round_trip") == 5


@pytest.mark.postgres
def test_import_dedup_and_undo_on_both_databases(any_db_app, tmp_path):
    """The bulk insert paths (SQLite executemany, PostgreSQL COPY) agree."""
    app = any_db_app
    make_register(app)
    path = write(tmp_path, "rundture.csv", GOOD)
    first = run(app, path)
    assert first.rows_added == 4
    again = run(app, path)
    assert (again.rows_added, again.rows_skipped) == (0, 4)
    stored = trips(app)
    assert len(stored) == 5
    assert ("26", datetime(2026, 3, 3, 7, 0, tzinfo=UTC)) in {(r[0], r[1]) for r in stored}
    overlap = write(
        tmp_path, "overlap.csv", "Køretøj;Start;Slut;Km\n26;03-03-2026 08:30;03-03-2026 10:00;3\n"
    )
    report = run(app, overlap)
    assert "overlapper en rundtur, der allerede er gemt" in report.errors[0].message
    from app.data.service import undo_batch
    from app.extensions import db
    from app.models import ImportBatch, RoundTrip

    with app.app_context():
        undo_batch(db.session.get(ImportBatch, first.batch_id))
        assert db.session.scalar(select(func.count(RoundTrip.id))) == 1
    assert local(2026, 3, 2, 8, 0) == trips(app)[0][1]


@pytest.mark.postgres
def test_bulk_insert_skips_a_trip_stored_meanwhile(any_db_app):
    """A key clash in the bulk insert (another import won the race) adds only the rest."""
    from app.data.bulk import insert_round_trips
    from app.extensions import db
    from app.models import ImportBatch

    app = any_db_app
    register = make_register(app)
    vid, nord = register["vehicles"]["26"], register["nord"]
    stored = (vid, datetime(2026, 3, 2, 7, 0), datetime(2026, 3, 2, 9, 0), 20.0, 45.0, nord, 2)
    new = (vid, datetime(2026, 3, 5, 7, 0), datetime(2026, 3, 5, 8, 0), 5.0, None, nord, 3)
    with app.app_context():
        batch = ImportBatch(kind="trips", file_name="x.csv", checksum="0" * 64)
        db.session.add(batch)
        db.session.flush()
        assert insert_round_trips([stored, new], batch.id) == 1
        db.session.commit()
    assert len(trips(app)) == 2


def test_file_without_personal_columns_is_kept_byte_for_byte(app, register, tmp_path):
    from app.extensions import db
    from app.models import ImportBatch

    path = write(
        tmp_path, "ren.csv", "Køretøj;Start;Slut;Km\n26;05-03-2026 08:00;05-03-2026 09:00;5\n"
    )
    report = run(app, path)
    with app.app_context():
        batch = db.session.get(ImportBatch, report.batch_id)
        assert (Path(app.instance_path) / batch.stored_path).read_bytes() == path.read_bytes()
        assert batch.stored_path.endswith(f"{batch.checksum}.csv")
