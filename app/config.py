"""Configuration read from the environment, with safe embedded defaults.

With no environment at all the app runs on SQLite and a private Redis in the instance
folder; production sets DATABASE_URL and REDIS_URL. See .env.example for every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


def instance_path() -> Path:
    return Path(os.environ.get("FLEET_INSTANCE_PATH", DEFAULT_INSTANCE)).resolve()


def embedded_redis_socket(instance: Path | None = None) -> Path:
    return (instance or instance_path()) / "redis.sock"


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        # Create with 0600 so other local users cannot read it.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def _normalise_database_url(url: str) -> str:
    # Heroku-style and plain postgres URLs select psycopg 3, the driver we ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def build_config(overrides: dict | None = None) -> dict:
    """Return the configuration dict for `create_app`; `overrides` win (used by tests)."""
    instance = instance_path()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'fleetoptimiser.db'}"
    redis_url = os.environ.get("REDIS_URL") or f"unix://{embedded_redis_socket(instance)}"
    behind_https = _bool("FLEET_HTTPS")
    config = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RQ_QUEUE": os.environ.get("FLEET_RQ_QUEUE", "fleetoptimiser"),
        # Seconds a job of each kind may run before RQ kills it; the solver's own
        # limit is always set below this (RQ cannot interrupt a running HiGHS solve).
        "JOB_TIMEOUTS": {
            "demo_data": 900,
            "import": 1800,
            "scenario": 3600,
            "report": 600,
            "retention": 600,
            "selftest": 120,
        },
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_HEADERS": ["X-CSRFToken", "X-CSRF-Token"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": behind_https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": behind_https,
        "PREFERRED_URL_SCHEME": "https" if behind_https else "http",
        "MAX_CONTENT_LENGTH": int(os.environ.get("FLEET_MAX_UPLOAD_MB", "200")) * 1024 * 1024,
        "FLEET_ADMIN_EMAIL": os.environ.get("FLEET_ADMIN_EMAIL", "admin@example.dk"),
        "FLEET_ADMIN_PASSWORD": os.environ.get("FLEET_ADMIN_PASSWORD"),
        "FLEET_DEMO_DATA": _bool("FLEET_DEMO_DATA", True),
        "FLEET_ORGANISATION": os.environ.get("FLEET_ORGANISATION", "Demo Kommune"),
        # Login throttling (app/auth/throttle.py): free failures per account and address,
        # per account from all addresses, and per address across accounts; then a wait that
        # doubles from LOGIN_BACKOFF_SECONDS up to LOGIN_BACKOFF_MAX_SECONDS.
        "LOGIN_MAX_FAILURES": int(os.environ.get("FLEET_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_ACCOUNT_MAX_FAILURES": int(os.environ.get("FLEET_LOGIN_ACCOUNT_MAX_FAILURES", "30")),
        "LOGIN_ADDRESS_MAX_FAILURES": int(os.environ.get("FLEET_LOGIN_ADDRESS_MAX_FAILURES", "50")),
        "LOGIN_BACKOFF_SECONDS": float(os.environ.get("FLEET_LOGIN_BACKOFF_SECONDS", "30")),
        "LOGIN_BACKOFF_MAX_SECONDS": float(
            os.environ.get("FLEET_LOGIN_BACKOFF_MAX_SECONDS", "900")
        ),
        "LOGIN_THROTTLE_RESET_SECONDS": float(
            os.environ.get("FLEET_LOGIN_THROTTLE_RESET_SECONDS", "3600")
        ),
        "RETENTION_MONTHS": int(os.environ.get("FLEET_RETENTION_MONTHS", "24")),
        "TESTING": False,
    }
    if overrides:
        config.update(overrides)
    return config
