"""Server-side access control, enumerated from the URL map (not listed by hand)."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from tests.conftest import csrf_token

PUBLIC_ENDPOINTS = {"auth.login", "main.healthz", "static"}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def build_path(rule: Rule) -> str:
    """A concrete path for a rule, with placeholder values for its arguments."""
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if kind == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = 1 if kind in ("IntegerConverter", "FloatConverter") else "x"
    from flask import current_app

    adapter = current_app.url_map.bind("localhost")
    return adapter.build(
        rule.endpoint, values, method=next(iter(rule.methods - {"HEAD", "OPTIONS"}))
    )


def rules(app, methods: set[str] | None = None) -> list[Rule]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        if methods and not (rule.methods & methods):
            continue
        found.append(rule)
    return sorted(found, key=lambda r: r.rule)


def test_public_endpoints_are_only_login_health_and_static(app):
    with app.test_request_context():
        public = {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if getattr(app.view_functions[rule.endpoint], "fleet_public", False)
        }
    assert public <= PUBLIC_ENDPOINTS


def test_every_route_sends_anonymous_users_to_login(app):
    client = app.test_client()
    checked = 0
    with app.test_request_context():
        for rule in rules(app):
            path = build_path(rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method)
                if method in MUTATING:
                    # Without a session there is no CSRF token either: refused either way.
                    assert response.status_code in (302, 400), (method, path)
                    if response.status_code == 302:
                        assert "/login" in response.location
                elif rule.endpoint.startswith("api."):
                    # The BI API wants a token, not a session: 401, never data.
                    assert response.status_code == 401, (method, path, response.status_code)
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
                else:
                    assert response.status_code == 302, (method, path, response.status_code)
                    assert "/login" in response.location, (method, path)
                checked += 1
    assert checked >= 10


def test_anonymous_post_with_valid_csrf_token_is_still_redirected(app):
    client = app.test_client()
    token = csrf_token(client, "/login")
    with app.test_request_context():
        for rule in rules(app, MUTATING):
            response = client.post(build_path(rule), headers={"X-CSRFToken": token})
            assert response.status_code == 302 and "/login" in response.location, rule.rule


def test_every_mutating_route_is_forbidden_for_viewers(app, viewer_client):
    token = csrf_token(viewer_client)
    # Viewers may log out and change their own password; everything else that changes
    # data must be refused on the server.
    own_account = {"auth.logout", "auth.profile"}
    checked = 0
    with app.test_request_context():
        for rule in rules(app, MUTATING):
            if rule.endpoint in own_account:
                continue
            for method in sorted(rule.methods & MUTATING):
                response = viewer_client.open(
                    build_path(rule), method=method, headers={"X-CSRFToken": token}
                )
                assert response.status_code == 403, (method, rule.rule, response.status_code)
                checked += 1
    assert checked >= 3


def test_admin_pages_are_forbidden_for_planners(app, planner_client):
    with app.test_request_context():
        admin_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
        assert admin_rules
        for rule in admin_rules:
            if "GET" in rule.methods:
                assert planner_client.get(build_path(rule)).status_code == 403, rule.rule


def test_htmx_request_without_session_gets_hx_redirect(app):
    response = app.test_client().get("/jobs/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize("path", ["/login", "/static/app.css"])
def test_public_paths_need_no_login(app, path):
    assert app.test_client().get(path).status_code == 200


def test_healthz_needs_no_login(app):
    # 503 here: no worker runs in this test (tests/foundation/test_faults.py has the rest)
    response = app.test_client().get("/healthz")
    assert response.status_code in (200, 503) and response.json["database"] == "ok"
