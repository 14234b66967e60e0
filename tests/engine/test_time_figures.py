"""The per-hour offset lookup gives the same epoch seconds and local minutes as converting
each moment, around both daylight-saving changes, for naive and aware times alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.prepare import LOCAL_TZ, epoch_seconds, local_minutes, time_figures


def _one_by_one(moments):
    return [epoch_seconds(m) for m in moments], [local_minutes(m) for m in moments]


def _around(day: datetime) -> list[datetime]:
    """Every 7 minutes and 13 seconds over 6 hours around 02:00 local time."""
    start = day.replace(hour=23) - timedelta(days=1)
    return [start + timedelta(seconds=433 * i, microseconds=i % 7) for i in range(50)]


def test_naive_aware_and_mixed_times_around_both_dst_changes():
    spring, autumn = datetime(2026, 3, 29), datetime(2026, 10, 25)
    naive = _around(spring) + _around(autumn)  # incl. 02:xx that never was / happened twice
    aware_local = [m.replace(tzinfo=LOCAL_TZ) for m in naive]
    aware_local_fold = [m.replace(tzinfo=LOCAL_TZ, fold=1) for m in naive]
    from_utc = [m.replace(tzinfo=UTC).astimezone(LOCAL_TZ) for m in naive]
    aware_fixed = [m.replace(tzinfo=timezone(timedelta(hours=1))) for m in naive]
    aware_utc = [m.replace(tzinfo=UTC) for m in naive]
    mixed = naive + aware_utc[::3] + from_utc[::2]
    for moments in (naive, aware_local, aware_local_fold, from_utc, aware_fixed, aware_utc, mixed):
        epoch, local = time_figures(moments)
        assert (epoch.tolist(), local.tolist()) == _one_by_one(moments)


def test_no_moments():
    epoch, local = time_figures([])
    assert len(epoch) == 0 and len(local) == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
        max_size=20,
    ),
    st.sampled_from(["naive", "local", "local, second of a doubled hour", "utc"]),
)
def test_any_times(moments, zone):
    if zone == "local":
        moments = [m.replace(tzinfo=LOCAL_TZ) for m in moments]
    elif zone == "utc":
        moments = [m.replace(tzinfo=UTC) for m in moments]
    elif zone != "naive":
        moments = [m.replace(tzinfo=LOCAL_TZ, fold=1) for m in moments]
    epoch, local = time_figures(moments)
    assert (epoch.tolist(), local.tolist()) == _one_by_one(moments)
