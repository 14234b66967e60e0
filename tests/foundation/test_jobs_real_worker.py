"""The job round trip with real parts: PostgreSQL, Redis on 127.0.0.1:6379 and a real
`python worker.py` process (forking work-horses, as in production)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from app.extensions import db
from app.jobs.service import enqueue, reap_dead_jobs, request_cancel
from app.models import Job, JobStatus
from tests.conftest import requires_redis

pytestmark = [requires_redis, pytest.mark.redis, pytest.mark.xdist_group("real_worker")]


def wait_for(app, job_id: int, condition, timeout: float = 30.0) -> Job:
    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            if condition(job):
                return job
            assert time.monotonic() < deadline, f"timed out; job is {job.status} {job.phase}"
            time.sleep(0.1)


def test_real_worker_runs_job_and_progress_rises(real_worker):
    app, _worker = real_worker
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 8, "pause_s": 0.4}).id
    seen = []
    deadline = time.monotonic() + 60
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            seen.append(job.progress)
            if job.done:
                break
            time.sleep(0.1)
        assert job.status == JobStatus.FINISHED, (job.error, job.error_detail)
    rising = sorted(set(seen))
    assert len(rising) >= 4, f"progress seen: {rising}"
    assert seen == sorted(seen), "progress never goes backwards"
    assert rising[-1] == 100


def test_real_worker_failure_is_recorded(real_worker):
    app, _worker = real_worker
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 4, "pause_s": 0.05, "fail_at": 3}).id
    job = wait_for(app, job_id, lambda j: j.done)
    assert job.status == JobStatus.FAILED
    assert job.error == "Testjobbet fejlede med vilje ved trin 3."


def test_real_worker_cancel_stops_running_job(real_worker):
    app, _worker = real_worker
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 300, "pause_s": 0.1}).id
    wait_for(app, job_id, lambda j: j.progress > 0)
    with app.app_context():
        request_cancel(db.session.get(Job, job_id))
    job = wait_for(app, job_id, lambda j: j.done)
    assert job.status == JobStatus.CANCELLED and job.progress < 100


def test_job_of_killed_worker_is_marked_failed(real_worker):
    app, worker = real_worker
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 300, "pause_s": 0.1}).id
    wait_for(app, job_id, lambda j: j.progress > 0)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work-horse die at once
    worker.wait(10)
    with app.app_context():
        assert reap_dead_jobs() == 1
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.FAILED and "stoppede uventet" in job.error
