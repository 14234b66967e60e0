"""Fault injection against real parts: Redis down or hung, database connections cut in the
middle of a job, the worker or its work-horse killed, two imports at once.

Every wait is bounded and every process started here is killed in a `finally`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import psutil
import pytest

from app.extensions import db
from app.jobs.service import enqueue, reap_dead_jobs
from app.models import Job, JobStatus
from tests.conftest import create_user, login, make_app, requires_postgres

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(step)


def job_row(app, job_id: int) -> Job:
    with app.app_context():
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of our own on a free port (so it can be stopped and frozen)."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not on PATH")
    port = free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until(lambda: _port_open(port), 10, "redis-server to listen")
        yield process, f"redis://127.0.0.1:{port}/0"
    finally:
        with _suppress_lookup():
            os.killpg(process.pid, signal.SIGCONT)
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


class _suppress_lookup:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        return kind is not None and issubclass(kind, ProcessLookupError)


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def _planner(app):
    create_user(app, "planner")
    client = app.test_client()
    assert login(client, "planner@kommune.dk").status_code == 302
    return client


def _csrf(client) -> str:
    import re

    page = client.get("/jobs/")
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)


# --- Redis down: connection refused ------------------------------------------------------


def test_redis_down_gives_a_danish_503_and_leaves_no_open_job(tmp_path):
    app = make_app(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    admin = app.test_client()
    create_user(app, "admin")
    assert login(admin, "admin@kommune.dk").status_code == 302
    token = _csrf(admin)
    started = time.monotonic()
    response = admin.post("/jobs/selvtest", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert "Baggrundskøen svarer ikke" in response.text
    with app.app_context():
        open_jobs = db.session.scalars(
            db.select(Job).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        ).all()
        assert open_jobs == []
    health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.json == {"status": "fail", "database": "ok", "redis": "fail", "workers": 0}


def test_job_whose_enqueue_fails_after_its_row_is_stored_ends_failed(app_ctx, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import Queue

    from app.jobs.queue import QueueUnavailable

    def refuse(*args, **kwargs):
        raise RedisConnectionError("refused")

    monkeypatch.setattr(Queue, "enqueue", refuse)
    with pytest.raises(QueueUnavailable):
        enqueue("selftest", {})
    job = db.session.scalars(db.select(Job)).one()
    assert job.status == JobStatus.FAILED and "Baggrundskøen svarer ikke" in job.error


# --- Redis hung: SIGSTOP ----------------------------------------------------------------


@requires_postgres
def test_hung_redis_does_not_hang_healthz_or_status_polls(tmp_path, private_redis, postgres_url):
    process, url = private_redis
    app = make_app(tmp_path, postgres_url, REDIS_URL=url)
    client = _planner(app)
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 3}).id
        job = db.session.get(Job, job_id)
        job.status = JobStatus.RUNNING  # as if a worker had taken it
        db.session.commit()
    assert client.get(f"/jobs/{job_id}/status").status_code == 200  # connections are open
    os.killpg(process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        health = app.test_client().get("/healthz")
        first = time.monotonic() - started
        assert health.status_code == 503 and health.json["redis"] == "fail", health.json
        assert health.json["database"] == "ok"
        assert first < 3.5, f"/healthz took {first:.1f} s with a hung Redis"
        # four polls at once (a gunicorn worker's threads) all answer from the database
        timings: list[float] = []

        def poll():
            begun = time.monotonic()
            answer = client.get(f"/jobs/{job_id}/status")
            assert answer.status_code == 200 and 'data-status="running"' in answer.text
            timings.append(time.monotonic() - begun)

        threads = [threading.Thread(target=poll) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert len(timings) == 4 and max(timings) < 1.0, timings
        started = time.monotonic()
        assert app.test_client().get("/healthz").status_code == 503
        assert time.monotonic() - started < 1.0  # Redis counts as down for a while
        print(f"healthz with hung Redis: {first:.2f} s; polls: {max(timings):.3f} s")
    finally:
        os.killpg(process.pid, signal.SIGCONT)


# --- Real worker: healthz, killed worker, killed work-horse, cut connections -------------


@pytest.fixture
def worker_env(tmp_path, postgres_url):
    from tests.conftest import real_worker_app, start_worker_process

    app, env = real_worker_app(tmp_path, postgres_url)
    started: list[subprocess.Popen] = []

    def start_worker() -> subprocess.Popen:
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115
        worker = start_worker_process(env, stdout=log)
        started.append(worker)
        return worker

    try:
        yield app, start_worker
    finally:
        for worker in started:
            with _suppress_lookup():
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _running_with_pool(app, start_worker, pool: int = 2):
    worker = start_worker()
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 600, "pause_s": 0.1, "pool_workers": pool}).id
    wait_until(lambda: job_row(app, job_id).progress > 0, 60, "the job to run")
    # the work-horse and its engine pool processes
    family = wait_until(
        lambda: (d := _descendants(worker.pid)) and len(d) >= pool + 1 and d,
        30,
        "the pool processes",
    )
    return worker, job_id, family


real_worker_group = pytest.mark.xdist_group("real_worker")


@real_worker_group
def test_healthz_counts_live_workers(worker_env):
    app, start_worker = worker_env
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["workers"] == 0, health.json
    worker = start_worker()
    health = wait_until(
        lambda: (r := client.get("/healthz")).status_code == 200 and r, 30, "a live worker"
    )
    assert health.json == {"status": "ok", "database": "ok", "redis": "ok", "workers": 1}
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["workers"] == 0, health.json


@real_worker_group
def test_killed_worker_leaves_no_orphans_and_its_job_fails_once(worker_env):
    app, start_worker = worker_env
    worker, job_id, family = _running_with_pool(app, start_worker)
    os.kill(worker.pid, signal.SIGKILL)  # the main worker only, as the OOM killer might
    worker.wait(10)
    killed = time.monotonic()
    wait_until(lambda: all(_gone(p) for p in family), 10, "the horse and pool to die")
    print(f"orphans gone {time.monotonic() - killed:.2f} s after the worker was killed")
    with app.app_context():
        assert reap_dead_jobs() == 1
        assert reap_dead_jobs() == 0
    job = job_row(app, job_id)
    assert job.status == JobStatus.FAILED and "stoppede uventet" in job.error
    time.sleep(1.5)  # nothing alive may write to it any more
    again = job_row(app, job_id)
    assert (again.status, again.error, again.finished_at) == (
        job.status,
        job.error,
        job.finished_at,
    )


@real_worker_group
def test_killed_work_horse_fails_its_job_and_leaves_no_pool(worker_env):
    app, start_worker = worker_env
    worker, job_id, family = _running_with_pool(app, start_worker)
    horse = next(p for p in family if p.ppid() == worker.pid)
    horse.kill()
    killed = time.monotonic()
    wait_until(lambda: all(_gone(p) for p in family), 10, "the pool to die")
    print(f"pool gone {time.monotonic() - killed:.2f} s after the horse was killed")
    # the worker itself marks the job failed (no page needs to poll for it)
    job = wait_until(
        lambda: (j := job_row(app, job_id)).done and j, 15, "the job to be marked failed"
    )
    assert job.status == JobStatus.FAILED and "stoppede uventet" in job.error
    assert worker.poll() is None  # the worker lives on and takes the next job
    with app.app_context():
        assert reap_dead_jobs() == 0
        next_id = enqueue("selftest", {"steps": 2, "pause_s": 0}).id
    job = wait_until(lambda: (j := job_row(app, next_id)).done and j, 30, "the next job")
    assert job.status == JobStatus.FINISHED


@real_worker_group
def test_reaped_job_is_not_flipped_to_finished_by_its_surviving_horse(worker_env):
    """The reaper declared the job dead (say, its worker looked gone) while the horse still
    works: the horse's last write must not turn the failed job into a finished one."""
    app, start_worker = worker_env
    start_worker()
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 15, "pause_s": 0.1}).id
    wait_until(lambda: job_row(app, job_id).progress > 0, 60, "the job to run")
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.status, job.error = JobStatus.FAILED, "Arbejdsprocessen stoppede uventet."
        db.session.commit()
    time.sleep(3)  # the horse would have finished by now
    job = job_row(app, job_id)
    assert job.status == JobStatus.FAILED and job.error == "Arbejdsprocessen stoppede uventet."
    assert job.result in ({}, None)


def _terminate_connections(app) -> int:
    import psycopg

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql")
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


def _idle_in_transaction(app) -> int:
    import psycopg

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql")
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND state LIKE 'idle in transaction%%'",
            (name,),
        ).fetchone()[0]


@real_worker_group
def test_database_connections_cut_mid_job_do_not_lose_the_job(worker_env):
    app, start_worker = worker_env
    start_worker()
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 30, "pause_s": 0.1}).id
    wait_until(lambda: job_row(app, job_id).progress > 0, 60, "the job to run")
    # no transaction stays open while the job works
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    assert _idle_in_transaction(app) == 0
    assert _terminate_connections(app) >= 1
    job = wait_until(lambda: (j := job_row(app, job_id)).done and j, 60, "the job to end")
    assert job.status == JobStatus.FINISHED, (job.error, job.error_detail)
    assert job.result == {"trin": 30}


def test_final_write_on_a_lost_connection_fails_with_a_danish_message(app_ctx, monkeypatch):
    """A connection lost on every try of the last write: a Danish message, no psycopg text."""
    from sqlalchemy.exc import OperationalError

    from app.jobs.runner import DB_LOST, JobContext, JobFailed

    job = enqueue("selftest", {})
    job.status, job.started_at = JobStatus.RUNNING, job.created_at
    db.session.commit()
    ctx = JobContext(job)
    calls = []

    def write():
        calls.append(1)
        raise OperationalError("COMMIT", {}, Exception("terminating connection"))

    with pytest.raises(JobFailed) as failure:
        ctx.save(write)
    assert str(failure.value) == DB_LOST and len(calls) == 2


# --- Two trip imports at once -------------------------------------------------------------


def test_two_trip_imports_at_once_store_no_overlapping_trips(any_db_app, tmp_path, monkeypatch):
    """The second import waits for the first, then sees its trips and reports the overlaps."""
    import app.data.trips_import as trips_import
    from app.data.service import run_import
    from app.models import RoundTrip
    from tests.data.conftest import make_register

    app = any_db_app
    make_register(app)
    header = "Køretøj;Lokation;Start;Slut;Km\n"
    first = tmp_path / "first.csv"
    first.write_text(
        header
        + "".join(
            f"26;Hjemmeplejen Nord;{day:02d}-03-2026 08:00;{day:02d}-03-2026 09:30;12\n"
            for day in range(10, 20)
        ),
        encoding="utf-8",
    )
    second = tmp_path / "second.csv"
    second.write_text(
        header
        + "".join(
            f"26;Hjemmeplejen Nord;{day:02d}-03-2026 09:00;{day:02d}-03-2026 10:00;8\n"
            for day in range(10, 20)
        ),
        encoding="utf-8",
    )
    insert = trips_import.insert_round_trips

    def slow_insert(*args, **kwargs):
        time.sleep(1.5)  # the first import is slow between its check and its insert
        return insert(*args, **kwargs)

    monkeypatch.setattr(trips_import, "insert_round_trips", slow_insert)
    reports: dict[str, object] = {}

    def run(name: str, path: Path, delay: float):
        time.sleep(delay)
        with app.app_context():
            try:
                reports[name] = run_import("trips", path, path.name, apply=True)
            except Exception as error:  # surfaced by the assertions below
                reports[name] = error
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=("first", first, 0)),
        threading.Thread(target=run, args=("second", second, 0.4)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    one, two = reports["first"], reports["second"]
    assert not isinstance(one, Exception) and not isinstance(two, Exception), reports
    assert one.applied and one.rows_added == 10
    assert not two.applied
    assert sum("overlapper en rundtur, der allerede er gemt" in e.message for e in two.errors) == 10
    with app.app_context():
        stored = db.session.execute(
            db.select(RoundTrip.vehicle_id, RoundTrip.start_time, RoundTrip.end_time).order_by(
                RoundTrip.vehicle_id, RoundTrip.start_time
            )
        ).all()
    overlapping = [
        (a, b)
        for a, b in itertools.pairwise(stored)
        if a.vehicle_id == b.vehicle_id and b.start_time < a.end_time
    ]
    assert overlapping == []
