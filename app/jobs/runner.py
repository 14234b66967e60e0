"""What the RQ worker executes: one generic wrapper around every job kind.

The wrapper keeps the Job row honest: running with a heartbeat while it works, then
finished, failed (with a Danish message and the traceback for admins) or cancelled.
"""

from __future__ import annotations

import os
import traceback
from datetime import datetime

from flask import Flask, current_app, has_app_context
from sqlalchemy import update

from app.extensions import db
from app.jobs.queue import redis_connection
from app.jobs.registry import HANDLERS
from app.models import Job, JobStatus, utcnow

_worker_app: Flask | None = None
# A job's history of phases (shown on its page) keeps at most this many entries; the
# engine reports a handful, so the cap only guards against a handler that loops.
PHASE_LOG_MAX = 100


class JobCancelled(Exception):
    """Raised inside a handler at a checkpoint after the user pressed cancel."""


class JobFailed(Exception):
    """A handler's failure with a message meant for the user (Danish)."""


class JobContext:
    """What a handler uses to report progress and to honour cancel.

    Progress must never touch the handler's own transaction (an import commits all or
    nothing), so it goes to RQ's job.meta in Redis, which the status fragment reads, and,
    on PostgreSQL, also to the Job row through a separate connection. SQLite allows one
    writer at a time, so there the row is only written at start and end.
    """

    def __init__(self, job: Job):
        self.job_id = job.id
        self._cancel_key = cancel_key(job)
        self._separate_writes = db.engine.dialect.name != "sqlite"
        self.phase_log: list[dict] = []

    def log_phase(self, phase: str, at: datetime, final: bool = False) -> bool:
        """Note a new phase with its start time; True if the log changed."""
        if self.phase_log and self.phase_log[-1]["phase"] == phase:
            return False
        if len(self.phase_log) >= PHASE_LOG_MAX and not final:
            return False
        self.phase_log.append({"phase": phase, "at": at.isoformat()})
        return True

    def progress(self, percent: float, phase: str | None = None) -> None:
        """Report progress (0-100) and phase text; also a cancel checkpoint."""
        self.check_cancel()
        percent = max(0, min(100, int(percent)))
        values = {"progress": percent, "heartbeat_at": utcnow()}
        if phase is not None:
            values["phase"] = phase[:200]
            if self.log_phase(values["phase"], values["heartbeat_at"]):
                values["phase_log"] = list(self.phase_log)
        _mirror_to_rq_meta(values)
        if self._separate_writes:
            with db.engine.connect() as connection:
                connection.execute(update(Job).where(Job.id == self.job_id).values(**values))
                connection.commit()

    def should_cancel(self) -> bool:
        return bool(redis_connection().exists(self._cancel_key))

    def check_cancel(self) -> None:
        if self.should_cancel():
            raise JobCancelled()


def cancel_key(job: Job) -> str:
    # Keyed by the RQ id (a UUID): job row ids restart when a database is recreated.
    return f"fleetoptimiser:cancel:{job.rq_id or job.id}"


def _mirror_to_rq_meta(values: dict) -> None:
    from rq import get_current_job

    rq_job = get_current_job()
    if rq_job is not None:
        if "phase_log" in values:
            rq_job.meta["phase_log"] = values["phase_log"]
        rq_job.meta.update(
            progress=values.get("progress"),
            phase=values.get("phase", rq_job.meta.get("phase")),
            heartbeat=values.get("heartbeat_at", utcnow()).isoformat(),
        )
        rq_job.save_meta()


def _app() -> Flask:
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def run_job(job_id: int) -> str:
    app = _app()
    with app.app_context():
        if app.extensions.get("fleet_pid") != os.getpid():
            # Forked work-horse: drop the parent's pooled connections, open fresh ones.
            db.engine.dispose(close=False)
        return _run(job_id)


def _run(job_id: int) -> str:
    job = db.session.get(Job, job_id)
    if job is None:
        return "missing"
    if job.status == JobStatus.CANCELLED or job.cancel_requested or _cancel_flagged(job):
        job.status = JobStatus.CANCELLED
        job.finished_at = job.finished_at or utcnow()
        db.session.commit()
        return job.status
    job.status = JobStatus.RUNNING
    job.started_at = job.heartbeat_at = utcnow()
    job.phase = "Starter"
    ctx = JobContext(job)
    ctx.log_phase(job.phase, job.started_at)
    job.phase_log = list(ctx.phase_log)
    db.session.commit()
    try:
        summary = HANDLERS[job.kind](job, ctx)
    except JobCancelled:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status = JobStatus.CANCELLED
        job.phase = "Annulleret"
    except JobFailed as error:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status = JobStatus.FAILED
        job.phase = "Fejlet"
        job.error = str(error)
        job.error_detail = traceback.format_exc()
    except Exception as error:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status = JobStatus.FAILED
        job.phase = "Fejlet"
        job.error = f"Jobbet fejlede: {error}"
        job.error_detail = traceback.format_exc()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
    else:
        job.status = JobStatus.FINISHED
        job.progress = 100
        job.phase = "Færdig"
        if summary:
            job.result = summary
    job.finished_at = utcnow()
    ctx.log_phase(job.phase, job.finished_at, final=True)
    job.phase_log = list(ctx.phase_log)
    db.session.commit()
    _mirror_to_rq_meta({"progress": job.progress, "phase": job.phase})
    return job.status


def _cancel_flagged(job: Job) -> bool:
    return bool(redis_connection().exists(cancel_key(job)))
