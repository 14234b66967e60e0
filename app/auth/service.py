"""Logging in with a lockout after repeated failures, and creating users."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from werkzeug.security import generate_password_hash

from app.audit import record
from app.extensions import db
from app.models import Role, User, utcnow

# Compared against when the e-mail is unknown so a wrong e-mail costs as long as a
# wrong password (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")

MIN_PASSWORD_LENGTH = 10


@dataclass
class LoginOutcome:
    user: User | None
    error: str | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(email: str, password: str) -> LoginOutcome:
    email = normalise_email(email)
    user = db.session.scalar(db.select(User).where(User.email == email))
    generic = "Forkert e-mail eller adgangskode."
    if user is None:
        from werkzeug.security import check_password_hash

        check_password_hash(_DUMMY_HASH, password)
        return LoginOutcome(None, generic)
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return LoginOutcome(None, f"For mange forkerte forsøg. Prøv igen om {minutes} minut(ter).")
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"])
            user.failed_logins = 0
            record("login_locked", user, {"email": user.email}, user=user)
        db.session.commit()
        return LoginOutcome(None, generic)
    if not user.active:
        return LoginOutcome(None, "Brugeren er deaktiveret. Kontakt en administrator.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return LoginOutcome(user)


def validate_password(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Adgangskoden skal være mindst {MIN_PASSWORD_LENGTH} tegn."
    return None


def create_user(email: str, password: str, role: Role, name: str = "", actor=None) -> User:
    email = normalise_email(email)
    if not email or "@" not in email:
        raise ValueError("Angiv en gyldig e-mailadresse.")
    if db.session.scalar(db.select(User).where(User.email == email)) is not None:
        raise ValueError(f"Der findes allerede en bruger med e-mailen {email}.")
    if problem := validate_password(password):
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
    user = create_user(email, password, Role.ADMIN, name="Administrator")
    return user, generated
