"""Shared fixtures: an app on a real database, users of each role, logged-in clients.

By default the app runs on a fresh SQLite file and an in-process fake Redis. Tests that
take the `any_db_app` fixture run twice: on SQLite and on the PostgreSQL server at
127.0.0.1:5432 (skipped with a reason when it is not reachable). Real Redis and a real
`rq worker` process are in tests/test_jobs_real_worker.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("FLEET_DEMO_DATA", "0")

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
PASSWORD = "korrekt-hest-batteri"
REAL_REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
ROOT_DIR = Path(__file__).resolve().parents[1]


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
POSTGRES_AVAILABLE = port_open(PG_HOST, PG_PORT)
REDIS_AVAILABLE = port_open(REDIS_HOST, REDIS_PORT)
requires_postgres = pytest.mark.skipif(
    not POSTGRES_AVAILABLE, reason="PostgreSQL is not reachable on 127.0.0.1:5432"
)
requires_redis = pytest.mark.skipif(
    not REDIS_AVAILABLE, reason="Redis is not reachable on 127.0.0.1:6379"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not POSTGRES_AVAILABLE:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    import psycopg

    name = f"fleet_test_{uuid.uuid4().hex[:10]}"
    admin_url = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def use_fake_redis(app) -> None:
    """REDIS_URL "fakeredis://": an in-process fake Redis as the app's client (the app's
    own code knows no fake; `redis_connection` returns what its extensions hold)."""
    if app.config["REDIS_URL"] == "fakeredis://":
        import fakeredis

        app.extensions["fleet_redis"] = fakeredis.FakeRedis(server=fakeredis.FakeServer())


def make_app(tmp_path: Path, database_url: str | None = None, **overrides):
    from app import create_app

    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance / 'test.db'}",
        "REDIS_URL": "fakeredis://",
        "FLEET_DEMO_DATA": False,
        "RQ_QUEUE": f"test-{uuid.uuid4().hex[:8]}",
    }
    config.update(overrides)
    app = create_app(config)
    use_fake_redis(app)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()  # the real migrations, not create_all: tests see the production schema
    return app


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_app(request, tmp_path):
    """The app on SQLite and again on PostgreSQL."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    app = make_app(tmp_path, url)
    yield app
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


def create_user(app, role: str, email: str | None = None):
    from app.auth.service import create_user as create
    from app.models import Role

    with app.app_context():
        user = create(email or f"{role}@kommune.dk", PASSWORD, Role(role), name=role.title())
        return user.id


def login(client, email: str, password: str = PASSWORD):
    """Log in through the real form (fetches the CSRF token from the page)."""
    import re

    page = client.get("/login")
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    data = {"email": email, "password": password}
    if match:
        data["csrf_token"] = match.group(1)
    return client.post("/login", data=data)


def csrf_token(client, path: str = "/") -> str:
    import re

    page = client.get(path)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _client_for(app, role: str):
    create_user(app, role)
    client = app.test_client()
    response = login(client, f"{role}@kommune.dk")
    assert response.status_code == 302, response.text
    return client


@pytest.fixture
def viewer_client(app):
    return _client_for(app, "viewer")


@pytest.fixture
def planner_client(app):
    return _client_for(app, "planner")


@pytest.fixture
def admin_client(app):
    return _client_for(app, "admin")


def real_worker_app(tmp_path, postgres_url) -> tuple:
    """(app, env): the app on a fresh PostgreSQL database and the real Redis on a queue of
    its own, and the environment a `python worker.py` process needs to serve it."""
    if not REDIS_AVAILABLE:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    app = make_app(tmp_path, postgres_url, REDIS_URL=REAL_REDIS_URL, RQ_QUEUE=queue)
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "REDIS_URL": REAL_REDIS_URL,
        "FLEET_RQ_QUEUE": queue,
        "FLEET_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test",
    }
    return app, env


def start_worker_process(env: dict, stdout=None):
    """A real `python worker.py` (forking work-horses, as in production), in its own
    process group so a test can kill it with everything it started."""
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, str(ROOT_DIR / "worker.py")],
        cwd=ROOT_DIR,
        env=env,
        start_new_session=True,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def real_worker(tmp_path, postgres_url):
    """The app on a fresh PostgreSQL database and the real Redis, plus a real
    `python worker.py` process (forking work-horses, as in production)."""
    import subprocess

    app, env = real_worker_app(tmp_path, postgres_url)
    worker = start_worker_process(env)
    yield app, worker
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (Debian's, driven by Playwright)."""
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
