"""The RQ worker: `python worker.py` (production: the fleetoptimiser-worker systemd unit).

Jobs live in the app (app/jobs/runner.py) and only call services and the engine. The
worker creates the app once, reaps jobs a previous worker left running, and then works
the queue; each job runs in a forked work-horse so a crash or timeout kills only that job.
"""

from __future__ import annotations

import logging
import sys

from flask import current_app
from rq import Queue, Worker

from app import create_app
from app.jobs.queue import connect
from app.jobs.service import fail_open_job, reap_dead_jobs, worker_name

HORSE_KILLED = (
    "Jobbets arbejdsproces stoppede uventet (fx for lidt hukommelse), før jobbet blev "
    "færdigt. Start det igen."
)


class FleetWorker(Worker):
    """RQ's worker that also ends the Job row at once when a work-horse dies."""

    def handle_work_horse_killed(self, job, retpid, ret_val, rusage):
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        try:
            fail_open_job(job.id, HORSE_KILLED)
        except Exception:
            current_app.logger.exception("could not mark the job of a killed work-horse failed")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    app = create_app()
    with app.app_context():
        reaped = reap_dead_jobs()
        if reaped:
            logging.info("marked %d job(s) left behind by a dead worker as failed", reaped)
        # Its own client: RQ gives it the long socket timeout its blocking dequeue needs
        # (the app's client keeps short timeouts for the jobs' progress and cancel checks).
        connection = connect(app.config["REDIS_URL"], timeouts=False)
        queue = Queue(app.config["RQ_QUEUE"], connection=connection)
        worker = FleetWorker([queue], connection=connection, name=worker_name())
        worker.work(burst="--burst" in argv, with_scheduler=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
