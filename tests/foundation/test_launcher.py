"""The launcher brings up private Redis + worker + web and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("launcher")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_launcher_starts_everything_and_ctrl_c_stops_all(tmp_path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")
    }
    env.update(
        FLEET_INSTANCE_PATH=str(tmp_path / "instance"),
        FLEET_BIND=f"127.0.0.1:{port}",
        FLEET_WEB_WORKERS="1",
        FLEET_DEMO_DATA="0",
        FLEET_ADMIN_EMAIL="it@kommune.dk",
        FLEET_ADMIN_PASSWORD="start-kode-12345",
    )
    launcher = subprocess.Popen(
        [sys.executable, "-m", "app.launcher"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert launcher.poll() is None, launcher.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "web server never answered"
                time.sleep(0.3)
        assert (tmp_path / "instance" / "redis.sock").exists()
        assert (tmp_path / "instance" / "fleetoptimiser.db").exists()
        assert (tmp_path / "instance" / "secret_key").exists()
        children = psutil.Process(launcher.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in children)
        assert "redis-server" in names and "worker.py" in names and "gunicorn" in names
    finally:
        launcher.send_signal(signal.SIGINT)
        output, _ = launcher.communicate(timeout=30)
    assert launcher.returncode == 0, output
    assert "alt er stoppet" in output
    time.sleep(0.5)
    alive = [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"left behind: {[p.cmdline() for p in alive]}"
    assert not (tmp_path / "instance" / "redis.sock").exists()
