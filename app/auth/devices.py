"""Device cookies: a browser that has logged in to an account before is recognised.

OWASP "Slow down online guessing attacks with device cookies": after a successful login
the browser gets a signed, HttpOnly, SameSite=Lax cookie naming the account (its user id,
a random nonce and the time it was issued; HMAC-SHA256 with the app's SECRET_KEY, Secure
behind HTTPS). A login attempt that presents a valid device cookie for the account it
tries is exempt from the per-address and per-account limits and only has its own backoff
per (account, device) (see throttle.py). So a flood of wrong guesses from a shared NAT
address, or against one account from many addresses, cannot keep out a user who has
logged in from that browser before; a browser without the cookie keeps the usual limits.

One cookie holds the devices of up to MAX_ACCOUNTS accounts (a shared computer). It is
not a session: it logs nobody in and survives "Log ud". It cannot be forged without the
secret, and a stolen one only gives its holder the same slow per-device backoff.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.extensions import db
from app.models import User

COOKIE_NAME = "fleet_device"
MAX_ACCOUNTS = 5
DEFAULT_DAYS = 365


@dataclass(frozen=True)
class Device:
    """A valid device cookie entry for the account being tried."""

    user_id: int
    nonce: str


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(
        current_app.config["SECRET_KEY"],
        salt="fleet-device-cookie",
        signer_kwargs={"digest_method": hashlib.sha256},
    )


def _max_age() -> float:
    return float(current_app.config.get("LOGIN_DEVICE_COOKIE_DAYS", DEFAULT_DAYS)) * 86400


def _entries(cookie: str | None) -> list[tuple[int, str, int]]:
    """The cookie's unexpired (user id, nonce, issued) entries; [] when missing or forged."""
    if not cookie or len(cookie) > 2000:
        return []
    try:
        payload = _serializer().loads(cookie)
    except BadSignature:
        return []
    if not isinstance(payload, list):
        return []
    oldest = time.time() - _max_age()
    entries = []
    for item in payload[:MAX_ACCOUNTS]:
        if (
            isinstance(item, list)
            and len(item) == 3
            and type(item[0]) is int
            and isinstance(item[1], str)
            and type(item[2]) is int
            and item[2] >= oldest
        ):
            entries.append((item[0], item[1], item[2]))
    return entries


def device_for(cookie: str | None, email: str) -> Device | None:
    """The device of the account with `email` in `cookie`, or None (also for a forged
    cookie or another account's). Costs an HMAC and, only for a valid cookie, one
    indexed SELECT; never a password hash."""
    entries = _entries(cookie)
    if not entries:
        return None
    user_id = db.session.scalar(db.select(User.id).where(User.email == email))
    for entry_user, nonce, _issued in entries:
        if user_id is not None and entry_user == user_id:
            return Device(entry_user, nonce)
    return None


def remember(response, user: User, cookie: str | None) -> None:
    """After a successful login: (re)issue the device cookie for `user` on `response`,
    keeping the devices of other accounts in the same browser."""
    entries = _entries(cookie)
    nonce = next((n for u, n, _ in entries if u == user.id), None) or secrets.token_urlsafe(16)
    others = [[u, n, issued] for u, n, issued in entries if u != user.id]
    payload = [[user.id, nonce, int(time.time())], *others][:MAX_ACCOUNTS]
    config = current_app.config
    response.set_cookie(
        COOKIE_NAME,
        _serializer().dumps(payload),
        max_age=int(_max_age()),
        httponly=True,
        samesite="Lax",
        secure=bool(config.get("FLEET_HTTPS", config["SESSION_COOKIE_SECURE"])),
        path="/",
    )
