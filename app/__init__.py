"""FleetOptimiser: fleet analysis and exact fleet optimisation for Danish municipalities."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

# Flask and the extensions are imported inside the functions below, not here: importing
# any submodule runs this file, and the engine, the chart package and the formatters must
# stay importable without Flask or a database.


def create_app(config: dict | None = None) -> Flask:
    """Application factory. `config` overrides values read from the environment."""
    from flask import Flask

    from app.config import build_config

    settings = build_config(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=True)
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # Remember which process created the engine: a forked RQ work-horse must not reuse
    # the parent's pooled database connections.
    app.extensions["fleet_pid"] = os.getpid()

    if app.config["SESSION_COOKIE_SECURE"]:
        # Behind the HTTPS reverse proxy: trust its X-Forwarded-* headers (one hop).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    register_request_guards(app)
    register_extensions(app)
    register_blueprints(app)
    register_job_handlers()
    register_template_helpers(app)
    register_error_handlers(app)
    register_cli(app)
    return app


# Every response: no framing, no MIME sniffing, no referrer to other sites, and a CSP with
# nothing inline. htmx (vendored) is configured by <meta name="htmx-config"> in base.html
# (no eval, no injected indicator <style>); the few behaviours that were inline handlers
# live in static/app.js. A view may set its own CSP (the report preview, shown in an
# <iframe> on our own page, does).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
PRIVATE_MIMETYPES = frozenset({"text/html", "application/json"})


def register_request_guards(app: Flask) -> None:
    """Unusable query strings and form bodies are refused first (app/args.py); headers on
    every response."""
    from flask import request
    from flask_login import current_user

    from app.args import guard_request_args

    app.before_request(guard_request_args)
    https = app.config.get("FLEET_HTTPS", app.config["SESSION_COOKIE_SECURE"])

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if (
            response.mimetype in PRIVATE_MIMETYPES
            and not request.path.startswith(app.static_url_path + "/")
            and current_user.is_authenticated
        ):
            # What a signed-in user sees (names, trips, the API's JSON) stays out of
            # browser, proxy and back-button caches; a view may still choose otherwise.
            response.headers.setdefault("Cache-Control", "no-store")
        if https:
            # Only behind the HTTPS proxy (FLEET_HTTPS=1): over plain HTTP a browser would
            # ignore it, and a test server must not pin itself to HTTPS.
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def register_extensions(app: Flask) -> None:
    from app.extensions import csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)

    from app.auth.access import enforce_access, load_user

    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log ind for at se siden."
    login_manager.login_message_category = "info"
    app.before_request(enforce_access)


def register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.dashboards import bp as dashboards_bp
    from app.data import api_bp
    from app.data import bp as data_bp
    from app.jobs import bp as jobs_bp
    from app.locations import bp as locations_bp
    from app.main import bp as main_bp
    from app.reports import bp as reports_bp
    from app.scenarios import bp as scenarios_bp
    from app.vehicles import bp as vehicles_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(jobs_bp, url_prefix="/jobs")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(scenarios_bp, url_prefix="/scenarier")
    app.register_blueprint(dashboards_bp, url_prefix="/dashboards")
    app.register_blueprint(data_bp, url_prefix="/data")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(vehicles_bp, url_prefix="/koeretoejer")
    app.register_blueprint(locations_bp, url_prefix="/lokationer")
    app.register_blueprint(reports_bp, url_prefix="/rapporter")


# Modules whose import registers job kinds (see app/jobs/registry.py).
JOB_MODULES = (
    "app.data.jobs",
    "app.demo.jobs",
    "app.jobs.selftest",
    "app.scenarios.jobs",
    "app.reports.jobs",
)


def register_job_handlers() -> None:
    for module in JOB_MODULES:
        importlib.import_module(module)


def register_template_helpers(app: Flask) -> None:
    from app import formatting, navigation

    formatting.register(app)
    navigation.register(app)


def register_error_handlers(app: Flask) -> None:
    from app.main.errors import register as register_errors

    register_errors(app)


def register_cli(app: Flask) -> None:
    from app.cli import register as register_commands

    register_commands(app)
