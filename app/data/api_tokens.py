"""Per-user read-only tokens for the BI JSON API; only a sha256 of each token is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from app.audit import record
from app.extensions import db
from app.models import ApiToken, User, utcnow

TOKEN_PREFIX = "fo_"  # noqa: S105 - a label, not a secret


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the plain text is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=(name or "BI").strip()[:120],
        token_hash=hash_token(plain),
        prefix=plain[:10],
    )
    db.session.add(token)
    db.session.flush()
    record("api_token_created", token, {"navn": token.name, "start": token.prefix}, user=user)
    db.session.commit()
    return token, plain


def revoke_token(token: ApiToken, user=None) -> None:
    token.revoked_at = utcnow()
    record("api_token_revoked", token, {"navn": token.name, "start": token.prefix}, user=user)
    db.session.commit()


def load_user_from_request(request) -> User | None:
    """Flask-Login's request loader: a token logs a user in for the read-only API only.

    Only GET requests to the API blueprint are accepted, so a token can never be used
    to change anything or to open the web pages.
    """
    if request.blueprint != "api" or request.method not in ("GET", "HEAD"):
        return None
    return authenticate(request.headers.get("Authorization"))


def authenticate(header: str | None) -> User | None:
    """The active user behind "Authorization: Bearer <token>", or None."""
    if not header or not header.startswith("Bearer "):
        return None
    plain = header[len("Bearer ") :].strip()
    if not plain.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    db.session.commit()
    return token.user


def tokens_of(user: User) -> list[ApiToken]:
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).all()
