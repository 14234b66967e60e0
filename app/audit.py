"""The audit trail: who changed what, with before and after values."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_login import current_user

from app.extensions import db
from app.models import AuditEvent


def record(action: str, obj: Any = None, details: dict | None = None, user=None) -> AuditEvent:
    """Add an AuditEvent to the session (committed with the change it describes)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        user_id=getattr(user, "id", None),
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or ""),
        details=details or {},
    )
    db.session.add(event)
    return event


def changes(before: dict, after: dict) -> dict:
    """{"field": {"før": old, "efter": new}} for the fields that differ."""
    return {
        key: {"før": before.get(key), "efter": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
