"""Every rule of the URL map x every HTTP method x every role, with a form body.

Checks the status (never 5xx; login for anonymous users, 403 for a role too low, 405 for
a method the route does not declare, 400 without a CSRF token) and that the database is
unchanged after every request that must not write (all of them here: the one combination
that may write, a permitted role's declared POST/PUT/PATCH/DELETE with a valid CSRF
token, is not sent; the feature tests cover it).

The finding this reproduces: HEAD skipped the role check and CSRF, and the vehicle views
ran their write branch for any method but GET, so a viewer's HEAD with a form body
created, edited and deleted vehicles.
"""

from __future__ import annotations

import hashlib

import pytest
from werkzeug.routing import Rule

from tests.conftest import csrf_token
from tests.data.conftest import make_register
from tests.foundation.test_access import PUBLIC_ENDPOINTS, build_path

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
ROLES = ("anonymous", "viewer", "planner", "admin")
RANK = {"anonymous": 0, "viewer": 1, "planner": 2, "admin": 3}
# The endpoints a viewer may call with POST: their own session and password.
OWN_ACCOUNT = {"auth.logout", "auth.profile"}


def form_body(register: dict) -> dict:
    """A body that would make the vehicle forms succeed (vehicle 1 is "26")."""
    return {
        "fleet_id": "HEAD-1",
        "confirm": "26",
        "make": "Skoda",
        "model": "Enyaq",
        "vehicle_type": "ev",
        "fuel": "electricity",
        "location_id": str(register["nord"]),
        "valid_from": "2026-01-01",
        "name": "Ondsindet",
        "email": "ny@kommune.dk",
        "role": "admin",
        "months": "1",
        "now": "1",
        "title": "Overskrevet",
        "resume": "Overskrevet",
        "organisation": "Overskrevet",
    }


def fingerprint(app) -> str:
    """A hash of every row of every table: equal before and after means unchanged."""
    from app.extensions import db

    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(db.select(table).order_by(*table.primary_key)).all()
            digest.update(f"{table.name}:{len(rows)}:{rows!r}".encode())
        db.session.remove()
    return digest.hexdigest()


def required_rank(app, rule: Rule, method: str) -> int:
    """The lowest role that may call this rule with this method (enforce_access's rule)."""
    from app.models import Role

    view = app.view_functions[rule.endpoint]
    required = getattr(view, "fleet_required_role", None)
    rank = {Role.VIEWER: 1, Role.PLANNER: 2, Role.ADMIN: 3}.get(required, 1)
    if method in MUTATING and not getattr(view, "fleet_any_role_may_change", False):
        rank = max(rank, 2)
    return rank


@pytest.fixture
def world(app):
    from tests.conftest import _client_for

    register = make_register(app)
    clients = {"anonymous": app.test_client()}
    for role in ("viewer", "planner", "admin"):
        clients[role] = _client_for(app, role)
    tokens = {role: csrf_token(client) for role, client in clients.items() if role != "anonymous"}
    return register, clients, tokens


def handling_rule(app, path: str, method: str) -> Rule | None:
    """The rule Flask dispatches `method` on `path` to (several rules may share a path,
    e.g. GET and POST /rapporter/<id>), or None when the method is not declared."""
    from werkzeug.exceptions import MethodNotAllowed

    adapter = app.url_map.bind("localhost")
    try:
        rule, _args = adapter.match(path, method=method, return_rule=True)
    except MethodNotAllowed:
        return None
    return rule


def warm_up(app, clients, targets) -> None:
    """The first GET of some pages creates defaults (the default parameter set); after
    that no request in these tests may change a row."""
    for rule, path in targets:
        if "GET" in rule.methods:
            clients["admin"].get(path)


def _rules(app, public: bool = True) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if public or r.endpoint not in PUBLIC_ENDPOINTS),
        key=lambda r: (r.rule, r.endpoint),
    )


def test_every_rule_method_and_role(app, world):
    register, clients, _tokens = world
    body = form_body(register)
    with app.test_request_context():
        targets = [(rule, build_path(rule)) for rule in _rules(app)]
    warm_up(app, clients, targets)
    before = fingerprint(app)
    checked = 0
    problems = []
    for rule, path in targets:
        for method in METHODS:
            handler = handling_rule(app, path, method)
            declared = handler is not None
            for role in ROLES:
                client = clients[role]
                response = client.open(path, method=method, data=body)
                status = response.status_code
                where = (method, rule.rule, role, status)
                checked += 1
                if status >= 500 and not (rule.endpoint == "main.healthz" and status == 503):
                    # (/healthz says 503 when no worker runs, as in this test)
                    problems.append(("5xx", *where))
                elif method in ("HEAD", "OPTIONS") and declared:
                    # HEAD and OPTIONS never carry a body: refused before anything runs.
                    if status != 400:
                        problems.append(("expected 400 (body on HEAD/OPTIONS)", *where))
                elif not declared:
                    if status != 405:
                        problems.append(("expected 405", *where))
                elif role == "anonymous" and handler.endpoint not in PUBLIC_ENDPOINTS:
                    if method in MUTATING:
                        ok = status == 400 or (status == 302 and "/login" in response.location)
                    elif handler.endpoint.startswith("api."):
                        ok = status == 401
                    else:
                        ok = status == 302 and "/login" in response.location
                    if not ok:
                        problems.append(("expected login", *where))
                elif method in MUTATING:
                    # No CSRF token in the body: refused before the view runs.
                    if status != 400:
                        problems.append(("expected 400 (CSRF)", *where))
                elif handler.endpoint not in PUBLIC_ENDPOINTS and RANK[role] < required_rank(
                    app, handler, method
                ):
                    if status != 403:
                        problems.append(("expected 403", *where))
                elif method == "OPTIONS":
                    if status != 200:
                        problems.append(("expected 200", *where))
                elif status == 403:
                    problems.append(("unexpected 403", *where))
                if fingerprint(app) != before:
                    problems.append(("database changed", *where))
                    before = fingerprint(app)
    assert not problems, "\n".join(map(repr, problems))
    assert checked == len(targets) * len(METHODS) * len(ROLES)
    print(f"checked {checked} (rule, method, role) combinations on {len(targets)} rules")


def test_views_never_write_on_head_or_options_even_with_a_body(app, world, monkeypatch):
    """HEAD runs the GET view: with the body guard switched off, no view may write on
    HEAD or OPTIONS, even with a form body and a CSRF token (the views branch on POST)."""
    monkeypatch.setattr("app.auth.access.body_on_bodiless_method", lambda: False)
    register, clients, tokens = world
    body = form_body(register)
    problems = []
    with app.test_request_context():
        targets = [(rule, build_path(rule)) for rule in _rules(app)]
    warm_up(app, clients, targets)
    before = fingerprint(app)
    for rule, path in targets:
        for method in ("HEAD", "OPTIONS"):
            for role in ("viewer", "planner", "admin"):
                response = clients[role].open(
                    path, method=method, data=body, headers={"X-CSRFToken": tokens[role]}
                )
                if response.status_code >= 500 and rule.endpoint != "main.healthz":
                    problems.append(("5xx", method, rule.rule, role))
                if method == "HEAD" and response.data:
                    problems.append(("HEAD with a body", method, rule.rule, role))
                if fingerprint(app) != before:
                    problems.append(("database changed", method, rule.rule, role))
                    before = fingerprint(app)
    assert not problems, "\n".join(map(repr, problems))


def test_roles_too_low_are_refused_with_a_valid_csrf_token(app, world):
    """With the CSRF token, a role too low gets 403 for every declared mutating method,
    and nothing changes."""
    register, clients, tokens = world
    body = form_body(register)
    before = fingerprint(app)
    checked = 0
    problems = []
    with app.test_request_context():
        targets = [(rule, build_path(rule)) for rule in _rules(app, public=False)]
    for rule, path in targets:
        if rule.endpoint in OWN_ACCOUNT:
            continue
        for method in sorted(rule.methods & MUTATING):
            for role in ("viewer", "planner"):
                if RANK[role] >= required_rank(app, rule, method):
                    continue
                response = clients[role].open(
                    path, method=method, data=body, headers={"X-CSRFToken": tokens[role]}
                )
                checked += 1
                if response.status_code != 403:
                    problems.append((method, rule.rule, role, response.status_code))
                if fingerprint(app) != before:
                    problems.append(("database changed", method, rule.rule, role))
                    before = fingerprint(app)
    assert not problems, "\n".join(map(repr, problems))
    assert checked >= 20


@pytest.mark.parametrize("path", ["/koeretoejer/ny", "/koeretoejer/{id}", "/koeretoejer/{id}/slet"])
@pytest.mark.parametrize("role", ["viewer", "planner", "admin"])
@pytest.mark.parametrize("guard", ["on", "off"])
def test_head_with_a_form_body_never_writes_vehicles(app, world, path, role, guard, monkeypatch):
    """The reported case: HEAD /koeretoejer/ny, /<id> (edit) and /<id>/slet. With the
    guard: 400; without it the views still render their GET page and write nothing."""
    if guard == "off":
        monkeypatch.setattr("app.auth.access.body_on_bodiless_method", lambda: False)
    register, clients, tokens = world
    before = fingerprint(app)
    path = path.format(id=register["vehicles"]["26"])
    response = clients[role].open(
        path, method="HEAD", data=form_body(register), headers={"X-CSRFToken": tokens[role]}
    )
    assert response.status_code == (400 if guard == "on" else 200)
    assert response.data == b""
    assert fingerprint(app) == before
