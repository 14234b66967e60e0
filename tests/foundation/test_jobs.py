"""Jobs through RQ on an in-process Redis: progress, finish, failure, cancel, reaping.

The same flow against a real Redis and a real `rq worker` process is in
test_jobs_real_worker.py.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from app.extensions import db
from app.jobs.queue import job_queue, redis_connection
from app.jobs.service import enqueue, live_view, reap_dead_jobs, request_cancel
from app.models import Job, JobStatus, utcnow
from app.models.jobs import phase_steps
from tests.support import work_queue


def _start_slow_job(app) -> tuple[int, threading.Thread]:
    """A 200-step self-test job (10 s) worked in a background thread; cancel it to stop."""
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 200, "pause_s": 0.05}).id

    def run():
        with app.app_context():
            work_queue()

    thread = threading.Thread(target=run)
    thread.start()
    return job_id, thread


def test_job_runs_to_finished_with_progress_in_rq_meta(app_ctx):
    job = enqueue("selftest", {"steps": 3, "pause_s": 0})
    assert job.status == JobStatus.QUEUED and job.rq_id
    work_queue()
    db.session.refresh(job)
    assert job.status == JobStatus.FINISHED
    assert job.progress == 100 and job.phase == "Færdig"
    assert job.result == {"trin": 3}
    assert job.started_at <= job.finished_at
    from rq.job import Job as RQJob

    meta = RQJob.fetch(job.rq_id, connection=redis_connection()).get_meta()
    assert meta["progress"] == 100


def test_job_keeps_when_each_phase_began_and_its_page_shows_them(app, planner_client):
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 3, "pause_s": 0.05}).id
        work_queue()
        db.session.expire_all()  # the job ran in its own session
        job = db.session.get(Job, job_id)
        phases = [entry["phase"] for entry in job.phase_log]
        assert phases == ["Starter", "Trin 1 af 3", "Trin 2 af 3", "Trin 3 af 3", "Færdig"]
        steps = phase_steps(job.phase_log)
        assert [step["at"] for step in steps] == sorted(step["at"] for step in steps)
        assert steps[0]["at"] >= job.started_at and steps[-1]["at"] == job.finished_at
        # The job pauses 0.05 s before reporting each of its steps.
        assert all(step["seconds"] >= 0.04 for step in steps[:3])
        assert steps[-1]["seconds"] is None
    page = planner_client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    assert "<h2>Forløb</h2>" in page.text
    assert page.text.index("Trin 1 af 3") < page.text.index("Trin 3 af 3")


def test_a_failed_job_logs_where_it_failed(app_ctx):
    job = enqueue("selftest", {"steps": 3, "pause_s": 0.02, "fail_at": 2})
    work_queue()
    db.session.refresh(job)
    assert job.phase == "Fejlet"
    phases = [entry["phase"] for entry in job.phase_log]
    assert phases == ["Starter", "Trin 1 af 3", "Trin 2 af 3", "Fejlet"]
    assert phase_steps(job.phase_log)[2]["seconds"] is not None  # the failing step ended


def test_a_running_jobs_page_shows_its_phases_so_far(app, planner_client):
    job_id, thread = _start_slow_job(app)
    try:
        deadline = time.monotonic() + 10
        while True:
            page = planner_client.get(f"/jobs/{job_id}")
            if "<td>Trin 3 af 200</td>" in page.text:
                break
            assert time.monotonic() < deadline, "the page never showed the phases so far"
            time.sleep(0.05)
        assert "<td>Starter</td>" in page.text and "Færdig" not in page.text
    finally:
        with app.app_context():
            request_cancel(db.session.get(Job, job_id))
        thread.join(20)


def test_result_summary_is_shown_in_danish(app, planner_client):
    with app.app_context():
        job = enqueue("selftest", {"steps": 1, "pause_s": 0})
        job.status = JobStatus.FINISHED
        job.result = {"locations": 5, "trips": 71985, "start": "2025-12-03", "trin": 1}
        db.session.commit()
        job_id = job.id
    page = planner_client.get(f"/jobs/{job_id}/status")
    assert "lokationer: 5 · rundture: 71.985 · fra: 03-12-2025 · trin: 1" in page.text


def test_failing_job_ends_failed_with_its_message(app_ctx):
    job = enqueue("selftest", {"steps": 3, "pause_s": 0, "fail_at": 2})
    work_queue()
    db.session.refresh(job)
    assert job.status == JobStatus.FAILED
    assert job.error == "Testjobbet fejlede med vilje ved trin 2."
    assert "JobFailed" in job.error_detail


def test_unexpected_exception_is_recorded(app_ctx):
    job = enqueue("selftest", {"steps": "mange"})
    work_queue()
    db.session.refresh(job)
    assert job.status == JobStatus.FAILED
    # users read a Danish message; the exception's own text is only in the admin's detail
    assert job.error.startswith("Jobbet fejlede af en uventet årsag.")
    assert "ValueError" not in job.error and "mange" not in job.error
    assert "ValueError" in job.error_detail


def test_cancel_before_start(app_ctx):
    job = enqueue("selftest", {"steps": 3, "pause_s": 0})
    request_cancel(job)
    assert job.status == JobStatus.CANCELLED
    work_queue()
    db.session.refresh(job)
    assert job.status == JobStatus.CANCELLED and job.progress == 0


def test_cancel_while_running_stops_at_next_checkpoint(app):
    job_id, thread = _start_slow_job(app)
    with app.app_context():
        deadline = time.monotonic() + 10
        while live_view(db.session.get(Job, job_id)).progress < 2:
            assert time.monotonic() < deadline, "job never made progress"
            time.sleep(0.05)
            db.session.expire_all()
        request_cancel(db.session.get(Job, job_id))
    thread.join(20)
    assert not thread.is_alive()
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.CANCELLED
        assert job.progress < 100


def test_status_fragment_polls_until_done(app, planner_client):
    with app.app_context():
        job_id = enqueue("selftest", {"steps": 2, "pause_s": 0}).id
    fragment = planner_client.get(f"/jobs/{job_id}/status")
    assert 'hx-trigger="every 1s"' in fragment.text and 'data-status="queued"' in fragment.text
    with app.app_context():
        work_queue()
    fragment = planner_client.get(f"/jobs/{job_id}/status")
    assert 'data-status="finished"' in fragment.text
    assert "hx-trigger" not in fragment.text  # polling stops when the job is done


def test_job_of_a_dead_worker_is_marked_failed(app_ctx):
    job = enqueue("selftest", {"steps": 2, "pause_s": 0})
    # Simulate a worker that took the job and died: Redis forgot the job, row says running.
    job_queue().remove(job.rq_id)
    redis_connection().delete(f"rq:job:{job.rq_id}")
    job.status = JobStatus.RUNNING
    job.started_at = job.created_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert reap_dead_jobs() == 1
    db.session.refresh(job)
    assert job.status == JobStatus.FAILED and "stoppede uventet" in job.error


def test_job_timeouts_are_set_per_kind(app_ctx):
    from rq.job import Job as RQJob

    job = enqueue("demo_data", {})
    rq_job = RQJob.fetch(job.rq_id, connection=redis_connection())
    assert rq_job.timeout == app_ctx.config["JOB_TIMEOUTS"]["demo_data"]
    selftest = RQJob.fetch(enqueue("selftest", {}).rq_id, connection=redis_connection())
    assert selftest.timeout == app_ctx.config["JOB_TIMEOUTS"]["selftest"]
