"""Hostile spreadsheets (tests/data/hostile.py) are refused fast, in little memory.

Each file is generated into tmp_path and must be refused with its Danish message
through the import service, the upload route (web or background job, whichever the
size picks) and a forked work-horse with the real memory limit, in well under a few
seconds and without the memory the attack aims at. Findings "Hardening" 2 and 12.
"""

from __future__ import annotations

import html
import io
import os
import time
import tracemalloc
from pathlib import Path

import pytest

from tests.conftest import csrf_token
from tests.data import hostile
from tests.data.conftest import fingerprint

MB = 1024 * 1024
# name -> (generator, part of the expected message)
CASES = {
    "lying_dimension": (hostile.lying_dimension, "Kilometer kan ikke være negativ."),
    "shared_strings_bomb": (hostile.shared_strings_bomb, "ligner en zip-bombe"),
    "huge_row": (hostile.huge_row, "ligner en zip-bombe"),
    "many_columns": (hostile.many_columns, "har flere end 60 kolonner i række 3"),
    "row_number": (hostile.row_number_too_far, "har flere end 1.048.576 rækker"),
    "zip_bomb_member": (hostile.zip_bomb_member, "«xl/media/image1.png» pakker sig ud til"),
    "lying_directory": (hostile.lying_directory, "er beskadiget og kan ikke åbnes"),
    "nested_zip": (hostile.nested_zip, "indeholder en anden pakket fil"),
    "zip_as_image": (hostile.zip_disguised_as_image, "indeholder en anden pakket fil"),
    "formula_cells": (
        hostile.formula_cells,
        "Række 3, kolonne «Km», værdi «=B3*2»: Cellen indeholder en formel.",
    ),
    "entities": (hostile.entity_expansion, "indeholder en XML-definition (DTD)"),
    "csv_long_line": (hostile.csv_long_line, "Linje 2 i filen «long_line.csv» er længere end"),
    "csv_nul": (hostile.csv_nul_bytes, "indeholder NUL-tegn (binære data) i linje 402"),
    "csv_nul_start": (hostile.csv_nul_at_start, "den indeholder binære data"),
    "csv_many_columns": (hostile.csv_many_columns, "har flere end 60 kolonner i række 3"),
}
MAX_SECONDS = 3.0
MAX_PEAK_MB = 40


def _run(app, path: Path):
    from app.data.service import run_import

    with app.app_context():
        return run_import("trips", path, path.name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_is_refused_fast_and_small(app, register, tmp_path, name):
    make, expected = CASES[name]
    path = make(tmp_path)
    before = fingerprint(app)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        report = _run(app, path)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    messages = [e.text() for e in report.errors]
    assert any(expected in m for m in messages), messages
    assert not report.applied and fingerprint(app) == before
    assert elapsed < MAX_SECONDS, f"{name}: {elapsed:.2f} s"
    assert peak < MAX_PEAK_MB * MB, f"{name}: peak {peak / MB:.1f} MB"
    print(f"{name}: {path.stat().st_size / 1024:.0f} KB, {elapsed:.3f} s, peak {peak / MB:.1f} MB")


def test_formula_with_a_saved_value_is_read_in_the_same_pass(app, register, tmp_path, monkeypatch):
    """No second workbook load (and nothing cached at module level) for formula cells."""
    import openpyxl

    from app.data import readers

    def refuse(*args, **kwargs):
        raise AssertionError("load_workbook must not be called to read an upload")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr("openpyxl.reader.excel.load_workbook", refuse)
    assert not hasattr(readers, "_CACHED") and not hasattr(readers, "_cached_value")
    report = _run(app, hostile.formula_cells(tmp_path))
    errors = [(e.row, e.column) for e in report.errors]
    assert errors == [(3, "Km")], errors  # row 2's formula had its value (12): no error


def test_the_limits_come_from_the_config(app, register, tmp_path):
    app.config["FLEET_IMPORT_LIMITS"] = {"xlsx_max_shared_strings": 1_000}
    report = _run(app, hostile.many_distinct_strings(tmp_path, 5_000))
    assert "har flere end 1.000 forskellige tekster" in report.errors[0].text()
    app.config["FLEET_IMPORT_LIMITS"] = {"csv_max_bytes": 100}
    report = _run(app, hostile.csv_many_columns(tmp_path))
    assert "en CSV-fil må højst fylde 100 bytes" in report.errors[0].text()
    app.config["FLEET_IMPORT_LIMITS"] = {"parse_seconds": 0.0}
    report = _run(app, hostile.lying_dimension(tmp_path))
    assert "tager for lang tid at læse" in report.errors[0].text()


def test_huge_row_is_cut_off_by_the_row_guard_even_without_the_ratio(app, register, tmp_path):
    app.config["FLEET_IMPORT_LIMITS"] = {"xlsx_max_ratio": 10**9}
    tracemalloc.start()
    try:
        report = _run(app, hostile.huge_row(tmp_path))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "har flere end 60 kolonner i række 2" in report.errors[0].text()
    assert peak < MAX_PEAK_MB * MB, f"peak {peak / MB:.1f} MB"


# -- through the upload route ------------------------------------------------------------


def _upload(app, client, path: Path) -> str:
    """Upload as a planner; when it goes to a background job, run it and show its page."""
    from rq import SimpleWorker

    from app.jobs.queue import job_queue, redis_connection

    token = csrf_token(client, "/data/")
    response = client.post(
        "/data/upload",
        data={"kind": "trips", "file": (io.BytesIO(path.read_bytes()), path.name)},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.status_code
    if "progressbar" not in response.text:
        return response.text
    job_url = response.text.split('hx-get="')[1].split('"')[0]
    with app.app_context():
        SimpleWorker([job_queue()], connection=redis_connection()).work(burst=True)
    return client.get(job_url).text


def _incoming(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads" / "incoming"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_upload_is_refused_and_deleted(app, register, planner_client, tmp_path, name):
    make, expected = CASES[name]
    path = make(tmp_path)
    started = time.perf_counter()
    text = _upload(app, planner_client, path)
    elapsed = time.perf_counter() - started
    reason = expected.split(": ", 1)[-1]  # the preview shows row, column, value apart
    assert html.escape(reason, quote=False) in text
    assert 'name="token"' not in text  # no "Gem"
    assert _incoming(app) == []  # a refused file is deleted at once, not after a day
    assert elapsed < MAX_SECONDS + path.stat().st_size / (20 * MB)  # upload time included


def test_big_files_are_read_in_the_background(app, register, planner_client, tmp_path):
    from app.extensions import db
    from app.models import Job

    _upload(app, planner_client, hostile.shared_strings_bomb(tmp_path, 300_000))  # 20 MB XML
    _upload(app, planner_client, hostile.csv_long_line(tmp_path))  # 50 MB
    _upload(app, planner_client, hostile.many_columns(tmp_path))  # small: in the request
    with app.app_context():
        titles = [job.title for job in db.session.scalars(db.select(Job).order_by(Job.id))]
    assert titles == [
        "Forhåndsvisning: shared_strings_bomb.xlsx",
        "Forhåndsvisning: long_line.csv",
    ]


def test_a_clean_preview_is_kept_for_gem_and_abandoned_ones_are_swept(
    app, register, planner_client, tmp_path
):
    good = tmp_path / "god.csv"
    good.write_text("Køretøj;Start;Slut;Km\n26;03-03-2026 08:00;03-03-2026 09:00;5\n")
    text = _upload(app, planner_client, good)
    assert 'name="token"' in text
    [kept] = _incoming(app)
    day_old = time.time() - 86_400 - 60
    os.utime(kept, (day_old, day_old))
    _upload(app, planner_client, hostile.many_columns(tmp_path))  # any next upload sweeps
    assert _incoming(app) == []


# -- the worker path: a forked work-horse with the real process limits -------------------


def _run_in_forked_horse(app, path: Path, **config) -> tuple[int, object]:
    """Enqueue a preview job and run it in a forked child, as RQ's work-horse does."""
    from app.data.service import save_incoming
    from app.extensions import db
    from app.jobs.runner import run_job
    from app.jobs.service import enqueue
    from app.models import Job

    app.config.update(config)
    with app.app_context():
        with open(path, "rb") as handle:
            stored = save_incoming(handle, path.name)
        job = enqueue(
            "import",
            {"kind": "trips", "token": stored.name, "file_name": path.name, "apply": False},
            title="t",
        )
        job_id = job.id
        db.session.remove()
        db.engine.dispose()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            with app.app_context():
                run_job(job_id)
        except BaseException:
            code = 3
        os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
    assert not stored.exists()  # refused or failed: deleted by the job at once
    return status, job


@pytest.mark.parametrize("name", ["shared_strings_bomb", "huge_row", "csv_long_line"])
def test_bomb_in_the_work_horse_gives_a_danish_message(app, register, tmp_path, name):
    from app.data.service import load_job_report

    make, expected = CASES[name]
    status, job = _run_in_forked_horse(app, make(tmp_path))
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0  # the horse lived
    assert job.status == "finished"  # a refused file is a preview with its error
    assert job.result["fejl"] == 1
    with app.app_context():
        report = load_job_report(job.id)
    assert expected in report.errors[0].text()


def test_memory_limit_in_the_work_horse_ends_in_a_danish_message(app, register, tmp_path):
    """A file within every limit that still needs more memory than the horse may use."""
    path = hostile.many_distinct_strings(tmp_path, 1_500_000)
    status, job = _run_in_forked_horse(app, path, FLEET_IMPORT_WORKER_MEMORY_MB=48)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert job.status == "failed", (job.status, job.error)
    assert "kræver mere hukommelse, end en import må bruge (48 MB)" in job.error
