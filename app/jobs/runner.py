"""What the RQ worker executes: one generic wrapper around every job kind.

The wrapper keeps the Job row honest: running with a heartbeat while it works, then
finished, failed (with a Danish message and the traceback for admins) or cancelled.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, current_app, has_app_context
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.jobs.queue import RedisError, mark_redis_down, redis_connection, redis_recently_down
from app.jobs.registry import HANDLERS, run_end_hook
from app.models import Job, JobStatus, utcnow

DB_LOST = (
    "Forbindelsen til databasen blev afbrudt, så resultatet kunne ikke gemmes. Start jobbet igen."
)

_worker_app: Flask | None = None
# A job's history of phases (shown on its page) keeps at most this many entries; the
# engine reports a handful, so the cap only guards against a handler that loops.
PHASE_LOG_MAX = 100


class JobCancelled(Exception):
    """Raised inside a handler at a checkpoint after the user pressed cancel."""


class JobFailed(Exception):
    """A handler's failure with a message meant for the user (Danish)."""


class JobStale(Exception):
    """The Job row is no longer this work-horse's (failed by the reaper, ended, deleted):
    nothing more may be written for it."""


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def connection_lost(error: BaseException) -> bool:
    """A database error that a fresh connection may not have (terminated, reset, gone)."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        from sqlalchemy.exc import InterfaceError, OperationalError

        return isinstance(error, (OperationalError, InterfaceError))
    return False


class JobContext:
    """What a handler uses to report progress and to honour cancel.

    Progress must never touch the handler's own transaction (an import commits all or
    nothing), so it goes to RQ's job.meta in Redis, which the status fragment reads, and,
    on PostgreSQL, also to the Job row through a separate connection. SQLite allows one
    writer at a time, so there the row is only written at start and end.
    """

    def __init__(self, job: Job, token: datetime | None = None):
        self.job_id = job.id
        self._cancel_key = cancel_key(job)
        self._separate_writes = db.engine.dialect.name != "sqlite"
        self.phase_log: list[dict] = []
        # Which attempt is ours: the start time this work-horse wrote into the row.
        self.token = _naive_utc(token or job.started_at)

    def log_phase(self, phase: str, at: datetime, final: bool = False) -> bool:
        """Note a new phase with its start time; True if the log changed."""
        if self.phase_log and self.phase_log[-1]["phase"] == phase:
            return False
        if len(self.phase_log) >= PHASE_LOG_MAX and not final:
            return False
        self.phase_log.append({"phase": phase, "at": at.isoformat()})
        return True

    def progress(self, percent: float, phase: str | None = None) -> None:
        """Report progress (0-100) and phase text; also a cancel checkpoint.

        Best effort: a Redis or database hiccup costs a progress update, never the job.
        On PostgreSQL it also notices a job that is no longer ours (JobStale)."""
        self.check_cancel()
        percent = max(0, min(100, int(percent)))
        values = {"progress": percent, "heartbeat_at": utcnow()}
        if phase is not None:
            values["phase"] = phase[:200]
            if self.log_phase(values["phase"], values["heartbeat_at"]):
                values["phase_log"] = list(self.phase_log)
        _mirror_to_rq_meta(values)
        if self._separate_writes:
            for attempt in (1, 2):
                try:
                    with db.engine.connect() as connection:
                        changed = connection.execute(
                            update(Job)
                            .where(Job.id == self.job_id, Job.status == JobStatus.RUNNING)
                            .values(**values)
                        ).rowcount
                        connection.commit()
                except DBAPIError as error:
                    if attempt == 1 and connection_lost(error):
                        continue
                    current_app.logger.warning(
                        "job %s: progress not written: %s", self.job_id, error
                    )
                    return
                if changed == 0:
                    raise JobStale()
                return

    def should_cancel(self) -> bool:
        if redis_recently_down():
            return False
        try:
            return bool(redis_connection().exists(self._cancel_key))
        except (RedisError, OSError):
            mark_redis_down()
            return False

    def check_cancel(self) -> None:
        if self.should_cancel():
            raise JobCancelled()

    def owns(self, job: Job | None) -> bool:
        """The row is still this attempt's: running, with the start time we wrote."""
        if job is None or job.status != JobStatus.RUNNING or self.token is None:
            return False
        started = _naive_utc(job.started_at)
        return started is not None and abs((started - self.token).total_seconds()) < 0.001

    def release_db(self) -> None:
        """End the session's transaction and give its connection back (before a long
        solve: no transaction, no connection held while the engine works). Objects read
        so far are detached as they are (what was loaded stays readable)."""
        db.session.expunge_all()
        with contextlib.suppress(DBAPIError):
            db.session.rollback()
        db.session.close()

    def save(self, write: Callable[[], object]) -> object:
        """Run `write()` in one short transaction that first locks the Job row and checks
        the job is still ours (JobStale if not: a reaped job must not flip to finished).
        A lost connection is retried once on a fresh one; then JobFailed (Danish)."""
        for attempt in (1, 2):
            try:
                with contextlib.suppress(DBAPIError):
                    db.session.rollback()
                job = db.session.get(Job, self.job_id, with_for_update=True, populate_existing=True)
                if not self.owns(job):
                    db.session.rollback()
                    raise JobStale()
                value = write()
                db.session.commit()
                return value
            except DBAPIError as error:
                with contextlib.suppress(Exception):
                    db.session.rollback()
                db.session.close()
                if not connection_lost(error):
                    raise
                current_app.logger.warning(
                    "job %s: database connection lost while saving (attempt %d): %s",
                    self.job_id,
                    attempt,
                    error,
                )
        raise JobFailed(DB_LOST)


def cancel_key(job: Job) -> str:
    # Keyed by the RQ id (a UUID): job row ids restart when a database is recreated.
    return f"fleetoptimiser:cancel:{job.rq_id or job.id}"


def _mirror_to_rq_meta(values: dict) -> None:
    from rq import get_current_job

    if redis_recently_down():
        return
    try:
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
    except (RedisError, OSError):
        mark_redis_down()


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
            # Forked work-horse: die with the worker that forked it (a killed worker must
            # not leave a horse solving on), and drop the parent's pooled connections.
            from app.engine.workers import die_with_parent

            die_with_parent(app.extensions.get("fleet_pid"))
            db.engine.dispose(close=False)
        try:
            return _run(job_id)
        finally:
            db.session.remove()


def _run(job_id: int) -> str:
    job = db.session.get(Job, job_id)
    if job is None:
        return "missing"
    if job.done:
        return job.status  # reaped or cancelled before it started: never run it again
    if job.cancel_requested or _cancel_flagged(job):
        job.status = JobStatus.CANCELLED
        job.phase = "Annulleret"
        job.finished_at = job.finished_at or utcnow()
        run_end_hook(job.kind, job.params, JobStatus.CANCELLED, None)
        db.session.commit()
        return job.status
    job.status = JobStatus.RUNNING
    job.started_at = job.heartbeat_at = utcnow()
    job.phase = "Starter"
    ctx = JobContext(job, token=job.started_at)
    ctx.log_phase(job.phase, job.started_at)
    job.phase_log = list(ctx.phase_log)
    kind = job.kind
    db.session.commit()
    summary = error = detail = None
    try:
        summary = HANDLERS[kind](job, ctx)
    except JobStale:
        return _stale(job_id)
    except JobCancelled:
        status, phase = JobStatus.CANCELLED, "Annulleret"
    except JobFailed as failure:
        status, phase, error, detail = JobStatus.FAILED, "Fejlet", str(failure), _trace()
    except Exception as failure:
        status, phase, detail = JobStatus.FAILED, "Fejlet", _trace()
        # the exception's own text is for administrators (error_detail), not the page
        error = (
            DB_LOST
            if connection_lost(failure)
            else "Jobbet fejlede af en uventet årsag. En administrator kan se den tekniske"
            " detalje på jobbets side."
        )
        current_app.logger.exception("job %s (%s) failed", job_id, kind)
    else:
        status, phase = JobStatus.FINISHED, "Færdig"

    def finish() -> str:
        job = db.session.get(Job, job_id)
        job.status = status
        job.phase = phase
        if status == JobStatus.FINISHED:
            job.progress = 100
            if summary:
                job.result = summary
        else:
            job.error = error
            job.error_detail = detail
            run_end_hook(job.kind, job.params, status, error)
        job.finished_at = utcnow()
        ctx.log_phase(phase, job.finished_at, final=True)
        job.phase_log = list(ctx.phase_log)
        return job.progress

    try:
        progress = ctx.save(finish)
    except JobStale:
        return _stale(job_id)
    except JobFailed as failure:
        # Not even the end could be written (the database is gone): leave the row to
        # the reaper, which fails it once this work-horse has exited.
        current_app.logger.error("job %s: could not record its end: %s", job_id, failure)
        return JobStatus.FAILED
    _mirror_to_rq_meta({"progress": progress, "phase": phase})
    return status


def _trace() -> str:
    return traceback.format_exc()


def _stale(job_id: int) -> str:
    with contextlib.suppress(DBAPIError):
        db.session.rollback()
    current_app.logger.warning("job %s ended elsewhere (reaped); its result is dropped", job_id)
    return "stale"


def _cancel_flagged(job: Job) -> bool:
    if redis_recently_down():
        return False
    try:
        return bool(redis_connection().exists(cancel_key(job)))
    except (RedisError, OSError):
        mark_redis_down()
        return False
