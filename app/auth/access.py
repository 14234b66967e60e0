"""Server-side access control for every route.

Deny by default: every endpoint needs a logged-in, active user unless marked `public`;
any request that changes something (POST, PUT, PATCH, DELETE) needs at least the planner
role unless the view is marked `any_role_may_change` (logging out, one's own password);
views can demand more with `role_required`. The checks run in `before_request`, so a
route that forgets a decorator is still protected.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.models import Role, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


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


def enforce_access():
    if request.endpoint is None:  # 404s fall through to the error handler
        return None
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
