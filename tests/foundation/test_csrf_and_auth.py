"""Logging in, CSRF on every POST (HTMX via header), lockout, users."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import PASSWORD, create_user, csrf_token, login


def test_post_without_csrf_token_is_rejected(app, admin_client):
    response = admin_client.post("/admin/brugere/ny", data={"email": "x@y.dk"})
    assert response.status_code == 400
    assert "Sikkerhedstokenet" in response.text


def test_htmx_post_with_token_header_is_accepted(app, admin_client):
    token = csrf_token(admin_client, "/jobs/")
    response = admin_client.post(
        "/jobs/selvtest", headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert response.status_code == 302
    assert "/jobs/" in response.location


def test_login_page_is_danish_and_sets_safe_cookie(app):
    client = app.test_client()
    page = client.get("/login")
    assert 'lang="da"' in page.text and "Adgangskode" in page.text
    create_user(app, "viewer")
    response = login(client, "viewer@kommune.dk")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_is_refused_with_danish_message(app):
    create_user(app, "viewer")
    response = login(app.test_client(), "viewer@kommune.dk", "forkert-kode-123")
    assert response.status_code == 401
    assert "Forkert e-mail eller adgangskode" in response.text


def test_repeated_failures_throttle_the_account_from_that_address(app):
    create_user(app, "planner")
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "planner@kommune.dk", "forkert-kode-123")
    # Even the right password is refused while throttled (same message as a wrong one).
    response = login(client, "planner@kommune.dk", PASSWORD)
    assert response.status_code == 401
    assert "midlertidigt spærret" in response.text
    with app.app_context():
        assert db.session.scalar(
            db.select(AuditEvent).where(AuditEvent.action == "login_throttled")
        )


def test_login_does_not_redirect_to_other_hosts(app):
    create_user(app, "viewer")
    client = app.test_client()
    page = client.get("/login?next=https://evil.example/")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "viewer@kommune.dk", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.location == "/"


def test_admin_creates_edits_and_deactivates_a_user(app, admin_client):
    token = csrf_token(admin_client, "/admin/brugere/ny")
    response = admin_client.post(
        "/admin/brugere/ny",
        data={
            "csrf_token": token,
            "email": "Ny.Planner@Kommune.dk",
            "name": "Ny",
            "role": "planner",
            "active": "y",
            "password": "en-god-lang-kode",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "ny.planner@kommune.dk"))
        assert user.role == "planner" and user.active
        user_id = user.id
    response = admin_client.post(
        f"/admin/brugere/{user_id}",
        data={
            "csrf_token": token,
            "email": "ny.planner@kommune.dk",
            "name": "Ny",
            "role": "viewer",
            "active": "y",
        },
    )
    assert response.status_code == 302
    response = admin_client.post(f"/admin/brugere/{user_id}/aktiv", data={"csrf_token": token})
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.role == "viewer" and not user.active
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
        assert {"user_created", "user_updated"} <= set(actions)
    # A deactivated user cannot log in.
    assert login(app.test_client(), "ny.planner@kommune.dk", "en-god-lang-kode").status_code == 401


def test_short_password_is_refused(app, admin_client):
    token = csrf_token(admin_client, "/admin/brugere/ny")
    response = admin_client.post(
        "/admin/brugere/ny",
        data={"csrf_token": token, "email": "k@k.dk", "role": "viewer", "password": "kort"},
    )
    assert response.status_code == 200 and "mindst 10 tegn" in response.text


def test_cli_creates_user(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "it@kommune.dk", "--role", "admin"],
        input="hemmelig-kode-1\nhemmelig-kode-1\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "it@kommune.dk"))
        assert user.role == "admin" and user.check_password("hemmelig-kode-1")
        assert user.password_hash.startswith("scrypt:")


def test_bootstrap_creates_first_admin_with_generated_password_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["bootstrap", "--no-demo"])
    assert first.exit_code == 0, first.output
    password = re.search(r"Adgangskode \(vises kun denne ene gang\): (\S+)", first.output).group(1)
    second = runner.invoke(args=["bootstrap", "--no-demo"])
    assert "Adgangskode" not in second.output
    assert login(app.test_client(), "admin@example.dk", password).status_code == 302


def test_bootstrap_uses_admin_from_environment(tmp_path):
    from tests.conftest import make_app

    app = make_app(
        tmp_path, FLEET_ADMIN_EMAIL="chef@kommune.dk", FLEET_ADMIN_PASSWORD="fra-miljoet-123"
    )
    result = app.test_cli_runner().invoke(args=["bootstrap", "--no-demo"])
    assert "vises kun" not in result.output
    assert login(app.test_client(), "chef@kommune.dk", "fra-miljoet-123").status_code == 302


def test_viewer_can_change_own_password(app, viewer_client):
    token = csrf_token(viewer_client, "/profil")
    response = viewer_client.post(
        "/profil",
        data={
            "csrf_token": token,
            "current": PASSWORD,
            "new": "ny-lang-kode-42",
            "repeat": "ny-lang-kode-42",
        },
    )
    assert response.status_code == 302
    assert login(app.test_client(), "viewer@kommune.dk", "ny-lang-kode-42").status_code == 302


def test_error_pages_are_danish(app, viewer_client):
    response = viewer_client.get("/findes-ikke")
    assert response.status_code == 404 and "Siden findes ikke" in response.text
    response = viewer_client.get("/admin/brugere")
    assert response.status_code == 403 and "Ingen adgang" in response.text


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    from app.config import build_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FLEET_INSTANCE_PATH", str(tmp_path))
    first = build_config()["SECRET_KEY"]
    assert first == build_config()["SECRET_KEY"] and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
