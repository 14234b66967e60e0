"""Login throttling with exponential backoff, per account and client address, and per
device for browsers that have logged in to the account before.

An attempt without a valid device cookie (devices.py) for the account it tries counts on
three counters of failed attempts (LoginThrottle rows):

- account + address: a few free failures (LOGIN_MAX_FAILURES), then each further attempt
  waits a delay that doubles with every failure (LOGIN_BACKOFF_SECONDS, capped at
  LOGIN_BACKOFF_MAX_SECONDS). Someone guessing from one address slows down only there;
  the real user logs in from any other address.
- account: a looser limit against guessing from many addresses. Each address adds at most
  its free failures to it, so one address cannot throttle the account for everybody.
- address: a looser limit across accounts (trying many e-mails from one address).

An attempt with a valid device cookie for its account counts only on its own counter:

- account + device: the same free failures and doubling delay as account + address.
  It is exempt from the three counters above, so a flood from a shared NAT or proxy
  address, or against one account from many addresses, cannot keep out a user who has
  logged in from that browser before. A first login from a new browser at an address
  that is being flooded may have to wait until the flood stops (an attacker who keeps
  sending a wrong guess each time the address's delay ends keeps the address blocked).

A counter forgets its failures after LOGIN_THROTTLE_RESET_SECONDS without a new one.

Counting is atomic: an attempt first reserves a slot with one `UPDATE ... SET failures =
failures + 1 ... RETURNING` per counter, committed before the password hash is checked.
The statement that reaches a limit also sets `blocked_until` in the same row, so parallel
attempts cannot all slip through; the real delay is written when the hash check fails.
A refused attempt costs one indexed SELECT (with a valid device cookie one more, for the
account's id) and no password hashing, so a flood cannot slow the site.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.audit import record
from app.auth.devices import Device
from app.extensions import db
from app.models.accounts import LoginThrottle
from app.models.types import UTCDateTime, utcnow

SCOPE_LABELS = {
    "pair": "konto og adresse",
    "acct": "konto",
    "addr": "adresse",
    "dev": "konto og enhed",
}

_table = LoginThrottle.__table__


def now() -> datetime:
    """The clock (tests move it)."""
    return utcnow()


@dataclass
class Settings:
    pair_free: int
    account_free: int
    address_free: int
    base: float
    cap: float
    reset: float

    @classmethod
    def current(cls) -> Settings:
        config = current_app.config
        cap = float(config.get("LOGIN_BACKOFF_MAX_SECONDS", 900))
        return cls(
            pair_free=int(config.get("LOGIN_MAX_FAILURES", 5)),
            account_free=int(config.get("LOGIN_ACCOUNT_MAX_FAILURES", 30)),
            address_free=int(config.get("LOGIN_ADDRESS_MAX_FAILURES", 50)),
            base=float(config.get("LOGIN_BACKOFF_SECONDS", 30)),
            cap=cap,
            # Longer than the longest delay, so a blocked counter is never "forgotten".
            reset=max(float(config.get("LOGIN_THROTTLE_RESET_SECONDS", 3600)), cap + 60),
        )

    def free(self, key: str) -> int:
        return {
            "pair": self.pair_free,
            "dev": self.pair_free,
            "acct": self.account_free,
            "addr": self.address_free,
        }[key.partition(":")[0]]

    def delay(self, key: str, failures: int) -> float:
        steps = failures - self.free(key)
        return min(self.cap, self.base * 2 ** min(steps, 30))


@dataclass
class Attempt:
    email: str
    address: str
    allowed: bool
    # key -> its failure count including this attempt (only the counters it reserved)
    reserved: dict[str, int] = field(default_factory=dict)
    known_device: bool = False


def _key(scope: str, *parts: str) -> str:
    # Keyed hash: the table holds no e-mails or addresses in clear.
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, "\n".join(parts).encode(), hashlib.sha256).hexdigest()
    return f"{scope}:{digest}"


def _keys(email: str, address: str, device: Device | None) -> tuple[str, ...]:
    if device is not None:
        return (_key("dev", str(device.user_id), device.nonce),)
    return _key("pair", email, address), _key("addr", address), _key("acct", email)


def _scope(key: str) -> str:
    return key.partition(":")[0]


def _when(value: datetime):
    return sa.literal(value, type_=UTCDateTime())


def _ensure_rows(keys: tuple[str, ...], at: datetime) -> None:
    rows = [{"key": key, "failures": 0, "updated_at": at} for key in keys]
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(_table).values(rows).on_conflict_do_nothing())


def _reserve(key: str, free: int, at: datetime, settings: Settings) -> int | None:
    """Count this attempt on `key`; its new failure count, or None while it is blocked."""
    column = _table.c
    failures = sa.case(
        (column.updated_at < _when(at - timedelta(seconds=settings.reset)), 1),
        else_=column.failures + 1,
    )
    statement = (
        sa.update(_table)
        .where(
            column.key == key,
            sa.or_(column.blocked_until.is_(None), column.blocked_until <= _when(at)),
        )
        .values(
            failures=failures,
            updated_at=_when(at),
            # Reaching the limit holds the counter until this attempt's outcome is known.
            blocked_until=sa.case(
                (failures >= free, _when(at + timedelta(seconds=settings.cap))),
                else_=sa.null(),
            ),
        )
        .returning(column.failures)
    )
    return db.session.execute(statement).scalar()


def begin(email: str, address: str | None, device: Device | None = None) -> Attempt:
    """Reserve an attempt for (email, address), or for (account, device) when `device` is
    the account's valid device cookie; `allowed` False means refuse it unchecked."""
    address = address or "ukendt"
    keys = _keys(email, address, device)
    at = now()
    column = _table.c
    blocked = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(_table)
        .where(column.key.in_(keys), column.blocked_until > _when(at))
    )
    if blocked:
        db.session.rollback()
        return Attempt(email, address, allowed=False, known_device=device is not None)
    settings = Settings.current()
    _ensure_rows(keys, at)
    attempt = Attempt(email, address, allowed=True, known_device=device is not None)
    # Always in this order (pair, address, account), so parallel attempts cannot deadlock.
    for key in keys:
        if _scope(key) == "acct" and attempt.reserved[keys[0]] > settings.pair_free:
            break  # this address already gave the account all its free failures
        count = _reserve(key, settings.free(key), at, settings)
        if count is None:  # blocked by a parallel attempt since the check above
            attempt.allowed = False
            break
        attempt.reserved[key] = count
    db.session.commit()
    if not attempt.allowed:
        failed(attempt)
    return attempt


def failed(attempt: Attempt, user=None) -> None:
    """The attempt's password was wrong (or it was refused): start the backoff where due."""
    settings = Settings.current()
    at = now()
    column = _table.c
    for key, count in attempt.reserved.items():
        if count < settings.free(key):
            continue
        seconds = settings.delay(key, count)
        db.session.execute(
            sa.update(_table)
            .where(column.key == key, column.failures == count)
            .values(blocked_until=_when(at + timedelta(seconds=seconds)))
        )
        record(
            "login_throttled",
            user,
            {
                "email": attempt.email,
                "adresse": attempt.address,
                "kendt_enhed": attempt.known_device,
                "niveau": SCOPE_LABELS[_scope(key)],
                "fejl": count,
                "spærret_sekunder": int(seconds),
            },
            user=user,
        )
    db.session.commit()


def succeeded(attempt: Attempt) -> None:
    """The right password: forget this address's (or device's) failures on the account;
    the attempt does not count against the looser limits (their other failures stay)."""
    settings = Settings.current()
    at = now()
    column = _table.c
    for key, count in attempt.reserved.items():
        if _scope(key) in ("pair", "dev"):
            values = {"failures": 0, "blocked_until": None}
        else:
            values = {"failures": sa.case((column.failures > 0, column.failures - 1), else_=0)}
            if count >= settings.free(key):
                values["blocked_until"] = None  # release the hold this attempt took
        db.session.execute(sa.update(_table).where(column.key == key).values(**values))
    # Forgotten counters are not needed any more.
    db.session.execute(
        sa.delete(_table).where(column.updated_at < _when(at - timedelta(seconds=settings.reset)))
    )


def clear_account(email: str) -> None:
    """An administrator set a new password: lift the account-wide limit."""
    db.session.execute(
        sa.update(_table)
        .where(_table.c.key == _key("acct", email))
        .values(failures=0, blocked_until=None)
    )
