"""Test helpers shared across test packages."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty


class ThreadWorker(SimpleWorker):
    """An in-process RQ worker that can run in a thread (no signal handlers there)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


def work_queue() -> None:
    """Run every queued job now, in this thread, inside the current app context."""
    from app.jobs.queue import job_queue, redis_connection

    ThreadWorker([job_queue()], connection=redis_connection()).work(burst=True)


class BackgroundWorker:
    """Polls the app's queue in a thread until stopped (for live-server tests)."""

    def __init__(self, app, interval: float = 0.2):
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.app.app_context():
            while not self._stop.is_set():
                work_queue()
                time.sleep(self.interval)

    def start(self) -> BackgroundWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)


@contextmanager
def live_server(app):
    """Serve `app` on a free local port in a thread, with a queue worker; yields the URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker = BackgroundWorker(app).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        worker.stop()
        server.shutdown()
        thread.join(10)
