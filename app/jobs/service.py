"""Starting, following, cancelling and reaping background jobs.

One Job row per job (the source of truth for the UI, kept after Redis forgets) and one RQ
job that runs `app.jobs.runner.run_job(job_id)` in the worker.
"""

from __future__ import annotations

import contextlib
import os
import socket
from datetime import timedelta

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from rq.registry import StartedJobRegistry
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.jobs.queue import (
    QUEUE_DOWN,
    QueueUnavailable,
    RedisError,
    job_queue,
    mark_redis_down,
    redis_connection,
    redis_ok,
    redis_recently_down,
)
from app.jobs.registry import HANDLERS, KIND_LABELS, run_end_hook
from app.models import Job, JobStatus, utcnow

WORKER_DIED = "Arbejdsprocessen stoppede uventet, før jobbet blev færdigt. Start det igen."
TIMED_OUT = "Jobbet tog for lang tid og blev stoppet."
NO_WORKER = "Venter på en ledig arbejdsproces (ingen kører lige nu; kontakt IT)"


def job_timeout(kind: str) -> int:
    return current_app.config["JOB_TIMEOUTS"].get(kind, 600)


def enqueue(kind: str, params: dict | None = None, user=None, title: str = "") -> Job:
    """Create the Job row and put it on the queue.

    When Redis cannot take the job, raises QueueUnavailable (a Danish 503 page): before
    anything is stored, the caller's pending rows are rolled back; if Redis fails only
    after the Job row was stored, the row (and its scenario run or report) ends failed
    in the same request. Nothing is left "queued" that no worker will ever see.
    """
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    params = params or {}
    if redis_recently_down() or not redis_ok():
        db.session.rollback()
        run_end_hook(kind, params, JobStatus.FAILED, QUEUE_DOWN)
        db.session.commit()
        raise QueueUnavailable()
    job = Job(
        kind=kind,
        title=title or KIND_LABELS[kind],
        params=params,
        user_id=getattr(user, "id", None),
        status=JobStatus.QUEUED,
        phase="Venter på en ledig arbejdsproces",
    )
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    try:
        rq_job = job_queue().enqueue(
            "app.jobs.runner.run_job",
            args=(job_id,),
            job_timeout=job_timeout(kind),
            result_ttl=86400,
            failure_ttl=7 * 86400,
            description=f"{kind} #{job_id}",
        )
    except (RedisError, OSError) as error:
        mark_redis_down()
        current_app.logger.warning("could not queue job %s: %s", job_id, error)
        db.session.rollback()
        job = db.session.get(Job, job_id)
        _end(job, JobStatus.FAILED, QUEUE_DOWN)
        db.session.commit()
        raise QueueUnavailable() from error
    job.rq_id = rq_job.id
    db.session.commit()
    return job


def _end(job: Job, status: str, message: str | None, phase: str = "Fejlet") -> None:
    """Put an open job into a final state (in the caller's transaction), with its rows."""
    job.status = status
    job.phase = phase
    if message is not None:
        job.error = message
    job.finished_at = job.finished_at or utcnow()
    run_end_hook(job.kind, job.params, status, message)


def fail_open_job(rq_id: str, message: str) -> bool:
    """Mark the open job of an RQ id failed (its work-horse died); True if it was open.

    The row is locked first: the work-horse's own last write and this one never both win.
    """
    job = db.session.scalar(db.select(Job).where(Job.rq_id == rq_id).with_for_update())
    if job is None or job.done:
        db.session.rollback()
        return False
    _end(job, JobStatus.FAILED, message)
    db.session.commit()
    return True


def request_cancel(job: Job) -> None:
    """Cancel a queued job at once; ask a running one to stop at its next checkpoint.

    The request goes to Redis first: a running import may hold SQLite's only write lock.
    """
    if job.done:
        return
    from app.jobs.runner import cancel_key

    redis_connection().set(cancel_key(job), 1, ex=7 * 86400)
    if job.status == JobStatus.QUEUED and job.rq_id:
        with contextlib.suppress(NoSuchJobError):
            RQJob.fetch(job.rq_id, connection=redis_connection()).cancel()
        job.status = JobStatus.CANCELLED
        job.finished_at = utcnow()
        job.phase = "Annulleret før start"
    else:
        job.cancel_requested = True
        job.phase = "Annullerer …"
    try:
        db.session.commit()
    except OperationalError:
        # The worker holds the database; it sees the Redis flag and ends the job itself.
        db.session.rollback()


class JobView:
    """A read-only view of a Job with some attributes overridden (never written back)."""

    def __init__(self, job: Job, **overrides):
        self._job = job
        self.__dict__.update(overrides)

    def __getattr__(self, name):
        return getattr(self._job, name)


def live_view(job: Job) -> Job | JobView:
    """The Job with progress and phase from RQ's job.meta while it runs.

    When Redis does not answer, the Job row is the answer (at once, while Redis counts
    as down)."""
    if job.status == JobStatus.QUEUED and not redis_recently_down():
        try:
            if live_worker_count() == 0:
                return JobView(job, phase=NO_WORKER)
        except (RedisError, OSError):
            mark_redis_down()
        return job
    if job.status != JobStatus.RUNNING or not job.rq_id or redis_recently_down():
        return job
    try:
        meta = RQJob.fetch(job.rq_id, connection=redis_connection()).get_meta(refresh=True)
    except (RedisError, OSError):
        mark_redis_down()
        return job
    except Exception:
        return job
    if meta.get("progress") is not None and meta["progress"] >= (job.progress or 0):
        return JobView(
            job,
            progress=meta["progress"],
            phase=meta.get("phase") or job.phase,
            # on SQLite the row only gets the log at the end; Redis has it as it grows
            phase_log=meta.get("phase_log") or job.phase_log,
        )
    return job


def reap_dead_jobs() -> int:
    """Mark jobs failed whose worker died or that outlived their timeout.

    Called when job status is shown and when a worker starts, so a crashed worker
    leaves a failed job, never one that spins forever. Returns how many were reaped.
    Without Redis nothing can be told about workers, so nothing is reaped (at once).
    """
    open_jobs = db.session.scalars(
        db.select(Job).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
    ).all()
    if not open_jobs or redis_recently_down():
        return 0
    connection = redis_connection()
    try:
        # Lets RQ move jobs of workers whose heartbeat expired to the failed registry.
        StartedJobRegistry(queue=job_queue()).cleanup()
    except (RedisError, OSError):
        mark_redis_down()
        return 0
    except Exception:
        current_app.logger.exception("could not clean the started-job registry")
    now = utcnow()
    dead: list[tuple[int, str]] = []
    for job in open_jobs:
        reason = None
        try:
            rq_job = RQJob.fetch(job.rq_id, connection=connection) if job.rq_id else None
            rq_status = rq_job.get_status(refresh=True) if rq_job else None
        except NoSuchJobError:
            rq_job, rq_status = None, None
        except (RedisError, OSError):
            mark_redis_down()
            break
        except Exception:
            current_app.logger.exception("could not read RQ job %s", job.rq_id)
            rq_job, rq_status = "unknown", "unknown"
        if rq_job is None and job.created_at < now - timedelta(seconds=30):
            reason = WORKER_DIED
        elif rq_status in ("failed", "stopped", "canceled"):
            reason = _rq_failure_text(rq_job) or WORKER_DIED
        elif rq_status == "started" and _worker_alive(rq_job, connection) is False:
            reason = WORKER_DIED
        last_sign = job.heartbeat_at or job.started_at
        if (
            reason is None
            and job.status == JobStatus.RUNNING
            and last_sign is not None
            and last_sign < now - timedelta(seconds=job_timeout(job.kind) + 60)
        ):
            reason = TIMED_OUT
        if reason:
            dead.append((job.id, reason))
    reaped = 0
    for job_id, reason in dead:
        # Locked and read again: the job may have ended meanwhile (its work-horse's last
        # write); only a job still open is failed, and only once.
        job = db.session.get(Job, job_id, with_for_update=True, populate_existing=True)
        if job is not None and not job.done:
            _end(job, JobStatus.FAILED, reason)
            reaped += 1
    db.session.commit()
    return reaped


def live_worker_count(connection=None) -> int:
    """Workers of this app's queue that are alive (same host: their process exists;
    another host: RQ's worker key, which expires soon after its heartbeats stop)."""
    from rq import Worker

    connection = connection or redis_connection()
    count = 0
    for worker in Worker.all(connection=connection, queue=job_queue()):
        host, _, pid = (worker.name or "").rpartition(".")
        if host == socket.gethostname() and pid.isdigit():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                continue
            except PermissionError:
                pass
        elif not connection.exists(f"rq:worker:{worker.name}"):
            continue
        count += 1
    return count


def worker_name() -> str:
    """host.pid: lets a process on the same host see at once that a worker has died."""
    return f"{socket.gethostname()}.{os.getpid()}"


def _worker_alive(rq_job, connection) -> bool | None:
    """False when the worker that took the job is gone; None when we cannot tell."""
    name = rq_job.worker_name
    if not name:
        return None
    host, _, pid = name.rpartition(".")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    # Another host: RQ's worker key expires shortly after its heartbeats stop.
    return bool(connection.exists(f"rq:worker:{name}"))


def _rq_failure_text(rq_job) -> str | None:
    info = getattr(rq_job, "exc_info", None) or ""
    if "JobTimeoutException" in info:
        return TIMED_OUT
    return None
