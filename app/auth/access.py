"""Server-side access control for every route.

Deny by default: every endpoint needs a logged-in, active user unless marked `public`;
any request that changes something (POST, PUT, PATCH, DELETE) needs at least the planner
role unless the view is marked `any_role_may_change` (logging out, one's own password);
views can demand more with `role_required`. The checks run in `before_request`, so a
route that forgets a decorator is still protected.

Methods: Flask answers a method a route does not declare with 405 before any view runs,
and OPTIONS itself. HEAD runs the GET view (Flask drops the body), so HEAD, GET and
OPTIONS skip the planner check and CSRF, and a view must write only in its
`request.method == "POST"` branch, never in a `!= "GET"` one (a viewer's HEAD with a form
body once created, edited and deleted vehicles). As a second line, a HEAD or OPTIONS
request that carries a body is refused with 400 here: no browser or monitor sends one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.auth.sessions import user_for_session
from app.models import Role, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODILESS_METHODS = frozenset({"HEAD", "OPTIONS"})


def load_user(user_id: str) -> User | None:
    # "id:session_version", refused once the version was raised (app/auth/sessions.py).
    return user_for_session(user_id)


def public(view: Callable) -> Callable:
    """Reachable without logging in (login page, health check)."""
    view.fleet_public = True
    return view


def any_role_may_change(view: Callable) -> Callable:
    """A mutating view that viewers may call too (their own session or password)."""
    view.fleet_any_role_may_change = True
    return view


def role_required(role: Role) -> Callable:
    """Demand at least `role` for every method of this view."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.fleet_required_role = role
        return wrapped

    return decorate


def body_on_bodiless_method() -> bool:
    """A HEAD or OPTIONS request with a body (a form, a file, chunked data)."""
    if request.method not in BODILESS_METHODS:
        return False
    return (
        bool(request.content_length)
        or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    )


def enforce_access():
    if request.endpoint is None:  # 404s and 405s fall through to the error handler
        return None
    if body_on_bodiless_method():
        abort(400)
    if request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "fleet_public", False):
        return None
    if not current_user.is_authenticated:
        if request.blueprint == "api":
            # BI tools authenticate with a token (app/data/api_tokens.py), not a session:
            # tell them so, instead of redirecting to an HTML login page.
            response = current_app.json.response(
                {"fejl": "Ugyldig eller manglende API-nøgle (Authorization: Bearer ...)."}
            )
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="fleetoptimiser"'
            return response
        if request.headers.get("HX-Request"):
            # An HTMX swap cannot follow a redirect to a full page; ask for a page load.
            response = current_app.response_class(status=401)
            response.headers["HX-Redirect"] = url_for("auth.login", next=request.full_path)
            return response
        return redirect(url_for("auth.login", next=request.full_path))
    required = getattr(view, "fleet_required_role", None)
    if (
        request.method not in SAFE_METHODS
        and not getattr(view, "fleet_any_role_may_change", False)
        and (required is None or required == Role.VIEWER)
    ):
        required = Role.PLANNER
    if required is not None and not current_user.has_role(required):
        abort(403)
    return None
