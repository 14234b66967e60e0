"""Logging in (throttled, see throttle.py), the password policy, and creating users."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import click
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.audit import record
from app.auth import devices, throttle
from app.auth.passwords import password_problem
from app.extensions import db
from app.models import Role, User, utcnow

# Compared against when the e-mail is unknown so a wrong e-mail costs as long as a
# wrong password (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")

# One message for an unknown e-mail, a wrong password, a deactivated account and a
# throttled attempt: the login page does not tell which accounts exist.
LOGIN_REFUSED = (
    "Forkert e-mail eller adgangskode, eller kontoen er midlertidigt spærret. Prøv igen om lidt."
)


@dataclass
class LoginOutcome:
    user: User | None
    error: str | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(
    email: str, password: str, address: str | None = None, device_cookie: str | None = None
) -> LoginOutcome:
    """Check a login; `device_cookie` is the browser's device cookie (devices.py), which
    lets a browser that logged in to this account before past a flooded address."""
    email = normalise_email(email)
    device = devices.device_for(device_cookie, email)
    attempt = throttle.begin(email, address, device)
    if not attempt.allowed:
        return LoginOutcome(None, LOGIN_REFUSED)  # no hashing: a flood stays cheap
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        ok = False
    else:
        # The hash is checked for deactivated users too: same time, same answer.
        ok = user.check_password(password) and user.active
    if not ok:
        throttle.failed(attempt, user)
        return LoginOutcome(None, LOGIN_REFUSED)
    throttle.succeeded(attempt)
    user.last_login_at = utcnow()
    db.session.commit()
    return LoginOutcome(user)


def validate_password(password: str, email: str | None = None) -> str | None:
    """Why `password` may not be used by the user with `email` (Danish), or None."""
    return password_problem(password, email)


def create_user(email: str, password: str, role: Role, name: str = "", actor=None) -> User:
    email = normalise_email(email)
    if not email or "@" not in email:
        raise ValueError("Angiv en gyldig e-mailadresse.")
    if db.session.scalar(db.select(User).where(User.email == email)) is not None:
        raise ValueError(f"Der findes allerede en bruger med e-mailen {email}.")
    if problem := validate_password(password, email):
        raise ValueError(problem)
    user = User(email=email, name=name.strip(), role=Role(role), active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user_created", user, {"email": email, "role": str(role)}, user=actor)
    db.session.commit()
    return user


def ensure_first_admin() -> tuple[User, str | None] | None:
    """With no users at all, create the first admin.

    Uses FLEET_ADMIN_EMAIL / FLEET_ADMIN_PASSWORD; without a password one is generated and
    returned so the launcher can print it once. Returns None when users already exist.
    """
    if db.session.scalar(db.select(db.func.count(User.id))):
        return None
    email = current_app.config["FLEET_ADMIN_EMAIL"]
    password = current_app.config["FLEET_ADMIN_PASSWORD"]
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
        while validate_password(password, email):
            password = generated = secrets.token_urlsafe(12)
    elif problem := validate_password(password, email):
        raise click.ClickException(
            f"FLEET_ADMIN_PASSWORD kan ikke bruges: {problem} Sæt en anden adgangskode i "
            "FLEET_ADMIN_PASSWORD, eller fjern den, så genereres en."
        )
    user = create_user(email, password, Role.ADMIN, name="Administrator")
    return user, generated
