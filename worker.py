"""The RQ worker: `python worker.py` (production: the fleetoptimiser-worker systemd unit).

Jobs live in the app (app/jobs/runner.py) and only call services and the engine. The
worker creates the app once, reaps jobs a previous worker left running, and then works
the queue; each job runs in a forked work-horse so a crash or timeout kills only that job.
"""

from __future__ import annotations

import logging
import sys

from rq import Worker

from app import create_app
from app.jobs.queue import job_queue, redis_connection
from app.jobs.service import reap_dead_jobs, worker_name


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    app = create_app()
    with app.app_context():
        reaped = reap_dead_jobs()
        if reaped:
            logging.info("marked %d job(s) left behind by a dead worker as failed", reaped)
        worker = Worker([job_queue()], connection=redis_connection(), name=worker_name())
        worker.work(burst="--burst" in argv, with_scheduler=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
