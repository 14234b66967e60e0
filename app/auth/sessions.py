"""Revocable sessions.

A session (and a remember-me cookie) stores `User.get_id()`, which is "id:version". The
user loader accepts it only while the user is active and the version is the user's
current `session_version`; raising that version ends every session of the user at once,
including copies of the cookie taken earlier.
"""

from __future__ import annotations

from flask_login import login_user

from app.extensions import db
from app.models import User


def user_for_session(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None  # also sessions from before versions existed: log in again
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def revoke_sessions(user: User) -> None:
    """End every session of `user`; the caller commits (with its audit event)."""
    user.session_version = User.session_version + 1  # atomic in SQL
    db.session.flush()


def keep_this_session(user: User) -> None:
    """After revoke_sessions on the current user: carry this session over to the new
    version (call after the commit)."""
    login_user(user)
