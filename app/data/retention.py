"""Retention: round trips older than N months are deleted by a daily job (and a button)."""

from __future__ import annotations

import time
from datetime import datetime

from flask import current_app
from sqlalchemy import delete

from app.audit import record
from app.extensions import db
from app.models import LOCAL_TZ, AppSetting, PendingGpsDrive, RoundTrip, utcnow

SETTING_KEY = "retention"
MONTHS_RANGE = (1, 120)
DAILY_KEY = "fleetoptimiser:retention:scheduled"


def retention_months() -> int:
    setting = db.session.get(AppSetting, SETTING_KEY)
    if setting and setting.value.get("months"):
        return int(setting.value["months"])
    return int(current_app.config.get("RETENTION_MONTHS", 24))


def last_run() -> dict | None:
    setting = db.session.get(AppSetting, SETTING_KEY)
    return (setting.value or {}).get("last_run") if setting else None


def set_retention_months(months: int, user=None) -> None:
    if not MONTHS_RANGE[0] <= months <= MONTHS_RANGE[1]:
        raise ValueError(f"Angiv mellem {MONTHS_RANGE[0]} og {MONTHS_RANGE[1]} måneder.")
    before = retention_months()
    setting = db.session.get(AppSetting, SETTING_KEY) or AppSetting(key=SETTING_KEY, value={})
    setting.value = {**(setting.value or {}), "months": months}
    db.session.add(setting)
    record("retention_changed", None, {"måneder": {"før": before, "efter": months}}, user=user)
    db.session.commit()


def months_before(moment: datetime, months: int) -> datetime:
    """The same local day and time `months` earlier (clamped to the month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=min(day, moment.day))
        except ValueError:
            continue
    raise ValueError("no valid day")  # pragma: no cover


def cutoff(now: datetime | None = None) -> datetime:
    local_now = (now or utcnow()).astimezone(LOCAL_TZ)
    start_of_day = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    return months_before(start_of_day, retention_months())


def apply_retention(user=None, now: datetime | None = None) -> int:
    """Delete round trips that started before the cutoff; one AuditEvent with the count."""
    limit = cutoff(now)
    deleted = db.session.execute(delete(RoundTrip).where(RoundTrip.start_time < limit)).rowcount
    db.session.execute(delete(PendingGpsDrive).where(PendingGpsDrive.end_time < limit))
    months = retention_months()
    record(
        "retention_applied",
        None,
        {"måneder": months, "slettet_før": limit.isoformat(), "rundture_slettet": deleted},
        user=user,
    )
    setting = db.session.get(AppSetting, SETTING_KEY) or AppSetting(key=SETTING_KEY, value={})
    setting.value = {
        **(setting.value or {}),
        "last_run": {"at": utcnow().isoformat(), "deleted": deleted, "cutoff": limit.isoformat()},
    }
    db.session.add(setting)
    db.session.commit()
    return deleted


def schedule_daily_retention() -> None:
    """Enqueue the retention job at most once a day (checked on requests).

    RQ has no cron without its scheduler process; a Redis key that expires after a day
    makes the first request of each day start the job, whichever web process serves it.
    """
    app = current_app
    if not app.config.get("FLEET_RETENTION_SCHEDULE", not app.testing):
        return
    # Ask Redis at most every ten minutes per process, not on every request.
    # (None, not 0.0, before the first check: the monotonic clock starts at boot, and a
    # server up for less than ten minutes would otherwise never schedule the job.)
    checked = app.extensions.get("fleet_retention_checked")
    if checked is not None and time.monotonic() - checked < 600:
        return
    app.extensions["fleet_retention_checked"] = time.monotonic()
    from app.jobs.queue import redis_connection
    from app.jobs.service import enqueue

    try:
        if not redis_connection().set(DAILY_KEY, utcnow().isoformat(), nx=True, ex=86_400):
            return
    except Exception:
        app.logger.warning("retention not scheduled: Redis unreachable")
        return
    enqueue("retention", {}, title="Daglig sletning af gamle rundture")
