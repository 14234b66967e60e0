"""Device cookies (app/auth/devices.py): a flood of wrong logins from a shared address
cannot lock out a user in a browser that has logged in to the account before; browsers
without a valid device cookie for the account keep the usual limits."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from app.extensions import db
from app.models.accounts import LoginThrottle
from tests.conftest import create_user, csrf_token, login, make_app

GENERIC = "Forkert e-mail eller adgangskode, eller kontoen er midlertidigt spærret."
WRONG = "forkert-kode-123"
DEVICE = "fleet_device"


def client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def logout(client) -> None:
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def known_browser(app, email: str, address: str = "127.0.0.1"):
    """A browser that logged in to `email` once (and logged out again)."""
    client = client_from(app, address)
    assert login(client, email).status_code == 302
    assert client.get_cookie(DEVICE) is not None
    logout(client)
    assert client.get_cookie(DEVICE) is not None  # survives "Log ud"
    return client


def with_device_cookie(app, value: str, address: str = "127.0.0.1"):
    client = client_from(app, address)
    client.set_cookie(DEVICE, value)
    return client


def flood(app, address: str = "127.0.0.1", attempts: int = 60, threads: int = 10) -> None:
    """The reviewer's flood: random unknown e-mails, wrong passwords, parallel."""

    def worker():
        client = client_from(app, address)
        for _ in range(attempts // threads):
            response = login(client, f"x{uuid.uuid4().hex[:12]}@example.dk", WRONG)
            assert response.status_code == 401

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()


@pytest.fixture
def hash_checks(monkeypatch):
    import werkzeug.security

    import app.auth.service as service
    import app.models.accounts as accounts

    real = werkzeug.security.check_password_hash
    lock = threading.Lock()
    calls = []

    def counting(pwhash, password):
        with lock:
            calls.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    monkeypatch.setattr(service, "check_password_hash", counting)
    return calls


@pytest.fixture
def clock(monkeypatch):
    """Moves the throttle's clock forward without sleeping."""
    import app.auth.throttle as throttle
    from app.models import utcnow

    state = {"offset": timedelta()}
    monkeypatch.setattr(throttle, "now", lambda: utcnow() + state["offset"])

    def advance(seconds: float) -> None:
        state["offset"] += timedelta(seconds=seconds)

    return advance


@pytest.fixture(params=["sqlite", "postgres"])
def db_app(request, tmp_path):
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    app = make_app(tmp_path, url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_flood_from_shared_address_spares_a_known_browser_only(db_app, hash_checks):
    app = db_app
    create_user(app, "planner")
    create_user(app, "viewer")
    planner_browser = known_browser(app, "planner@kommune.dk")
    viewer_browser = known_browser(app, "viewer@kommune.dk")
    planner_cookie = planner_browser.get_cookie(DEVICE).value
    viewer_cookie = viewer_browser.get_cookie(DEVICE).value

    flood(app)
    with app.app_context():
        rows = db.session.execute(sa.select(LoginThrottle.key, LoginThrottle.failures)).all()
        address_failures = max(count for key, count in rows if key.startswith("addr:"))
    assert address_failures >= app.config["LOGIN_ADDRESS_MAX_FAILURES"]

    # Without a device cookie: still throttled, with the one message, and no hashing.
    before = len(hash_checks)
    response = login(client_from(app, "127.0.0.1"), "planner@kommune.dk")
    assert response.status_code == 401 and GENERIC in response.text
    # A forged cookie and another account's cookie give no exemption either.
    forged = planner_cookie[:-4] + ("AAAA" if not planner_cookie.endswith("AAAA") else "BBBB")
    for cookie in (forged, viewer_cookie, "garbage"):
        response = login(with_device_cookie(app, cookie), "planner@kommune.dk")
        assert response.status_code == 401 and GENERIC in response.text, cookie
    assert len(hash_checks) == before

    # The planner's own browser gets in, and so does the viewer's.
    assert login(planner_browser, "planner@kommune.dk").status_code == 302
    assert login(viewer_browser, "viewer@kommune.dk").status_code == 302
    # The copied device cookie in another browser at the same address works too (it is
    # the cookie that counts), and the address stays blocked for everybody else.
    assert login(with_device_cookie(app, planner_cookie), "planner@kommune.dk").status_code == 302
    assert login(client_from(app, "127.0.0.1"), "viewer@kommune.dk").status_code == 401


def test_cookie_signed_with_another_secret_or_too_old_gives_no_exemption(app):
    create_user(app, "planner")
    browser = known_browser(app, "planner@kommune.dk")
    flood(app)
    with app.app_context():
        from app.models import User

        user_id = db.session.scalar(sa.select(User.id).where(User.email == "planner@kommune.dk"))

    def cookie(secret: str, issued: float) -> str:
        serializer = URLSafeSerializer(
            secret,
            salt="fleet-device-cookie",
            signer_kwargs={"digest_method": hashlib.sha256},
        )
        return serializer.dumps([[user_id, "nonce-" + secret, int(issued)]])

    other_secret = cookie("another-secret", time.time())
    too_old = cookie(app.config["SECRET_KEY"], time.time() - 400 * 86400)
    fresh = cookie(app.config["SECRET_KEY"], time.time())
    for value in (other_secret, too_old):
        assert login(with_device_cookie(app, value), "planner@kommune.dk").status_code == 401
    # The same construction with the app's secret is accepted: the test cookies are real.
    assert login(with_device_cookie(app, fresh), "planner@kommune.dk").status_code == 302
    assert login(browser, "planner@kommune.dk").status_code == 302


def test_known_browser_has_its_own_backoff(app, hash_checks, clock):
    create_user(app, "planner")
    browser = known_browser(app, "planner@kommune.dk", "192.0.2.40")
    limit = app.config["LOGIN_MAX_FAILURES"]
    before = len(hash_checks)
    for _ in range(limit):
        assert login(browser, "planner@kommune.dk", WRONG).status_code == 401
    assert len(hash_checks) == before + limit
    # Throttled now (no hashing), even with the right password.
    response = login(browser, "planner@kommune.dk")
    assert response.status_code == 401 and GENERIC in response.text
    assert len(hash_checks) == before + limit
    # Another browser at the same address is not held up by this device's failures.
    assert login(client_from(app, "192.0.2.40"), "planner@kommune.dk").status_code == 302
    clock(31)
    assert login(browser, "planner@kommune.dk").status_code == 302


def test_known_browser_gets_past_the_account_wide_limit(app):
    create_user(app, "viewer")
    browser = known_browser(app, "viewer@kommune.dk", "192.0.2.41")
    limit = app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    for number in range(limit + 10):
        login(client_from(app, f"10.2.{number // 250}.{number % 250}"), "viewer@kommune.dk", WRONG)
    assert login(client_from(app, "10.9.9.8"), "viewer@kommune.dk").status_code == 401
    assert login(browser, "viewer@kommune.dk").status_code == 302


def test_one_browser_remembers_several_accounts(app):
    create_user(app, "viewer")
    create_user(app, "planner")
    browser = client_from(app, "127.0.0.1")
    for email in ("viewer@kommune.dk", "planner@kommune.dk"):
        assert login(browser, email).status_code == 302
        logout(browser)
    flood(app)
    for email in ("viewer@kommune.dk", "planner@kommune.dk"):
        assert login(browser, email).status_code == 302, email
        logout(browser)


def test_device_cookie_attributes(tmp_path):
    for https in (False, True):
        (tmp_path / str(https)).mkdir()
        app = make_app(tmp_path / str(https), FLEET_HTTPS=https)
        create_user(app, "viewer")
        response = login(app.test_client(), "viewer@kommune.dk")
        assert response.status_code == 302
        header = next(
            value for value in response.headers.getlist("Set-Cookie") if value.startswith(DEVICE)
        )
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Max-Age=" in header
        assert int(header.split("Max-Age=")[1].split(";")[0]) >= 180 * 86400
        assert ("Secure" in header) is https
        # The cookie names the account by id only, not by e-mail.
        assert "viewer" not in header
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
