"""The per-hour offset lookup gives the same epoch seconds and local minutes as converting
each moment, around both daylight-saving changes, for naive and aware times alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.prepare import (
    LOCAL_TZ,
    epoch_seconds,
    local_minutes,
    time_figures,
    trip_arrays,
)
from app.engine.types import Trip


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


def test_edge_cases_convert_one_by_one():
    moments = [
        datetime(2026, 10, 25, 2, 30, fold=1),  # naive, the second 02:30 of the autumn change
        datetime(1969, 12, 31, 23, 59, 59, 500000),  # before 1970, with a fraction of a second
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        datetime(1894, 1, 1, 0, 30),  # Copenhagen was 50 min 20 s ahead of UTC until then
        datetime(1893, 12, 31, 23, 30, tzinfo=UTC),
    ]
    epoch, local = time_figures(moments)
    assert (epoch.tolist(), local.tolist()) == _one_by_one(moments)


def test_trips_are_ordered_by_start_then_id_as_python_orders_text():
    start = datetime(2026, 3, 2, 8, 0, tzinfo=LOCAL_TZ)
    ids = ["b", "a\x00", "a", "ä", "B", "a1"]
    trips = [
        Trip(
            i, None, "Nord", start + timedelta(minutes=5 * (n == 0)), start + timedelta(hours=1), 5
        )
        for n, i in enumerate(ids)
    ]
    arrays = trip_arrays(trips, [], date(2026, 3, 1), date(2026, 3, 31), ["Nord"])
    assert arrays.ids == [*sorted(ids[1:]), "b"]  # "b" starts five minutes later


def test_no_moments():
    epoch, local = time_figures([])
    assert len(epoch) == 0 and len(local) == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=datetime(1850, 1, 1), max_value=datetime(2300, 12, 31)),
        max_size=20,
    ),
    st.sampled_from(
        ["naive", "naive, second run", "local", "local, second of a doubled hour", "utc"]
    ),
)
def test_any_times(moments, zone):
    if zone == "naive, second run":
        moments = [m.replace(fold=1) for m in moments]
    elif zone == "local":
        moments = [m.replace(tzinfo=LOCAL_TZ) for m in moments]
    elif zone == "utc":
        moments = [m.replace(tzinfo=UTC) for m in moments]
    elif zone != "naive":
        moments = [m.replace(tzinfo=LOCAL_TZ, fold=1) for m in moments]
    epoch, local = time_figures(moments)
    assert (epoch.tolist(), local.tolist()) == _one_by_one(moments)
