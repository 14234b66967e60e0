"""Danish numbers on axes, labels and text alternatives."""

from __future__ import annotations

import pytest

from app import formatting
from app.charts import style


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0, 0, "0"),
        (1234.5, 1, "1.234,5"),
        (1234567.891, 0, "1.234.568"),
        (-1234.5, 1, "−1.234,5"),
        (-0.04, 1, "0,0"),  # rounds to zero: no minus sign on nothing
        (0.25, 2, "0,25"),
    ],
)
def test_number(value, decimals, expected):
    assert style.number(value, decimals) == expected


@pytest.mark.parametrize("value", [0, 1, 999.5, 1234.5, 1e6 + 0.4, -12.3, -98765.4321, 3.14159])
@pytest.mark.parametrize("decimals", [0, 1, 2])
def test_number_matches_the_app_formatter(value, decimals):
    """The chart package formats on its own (no SQLAlchemy import), but the same way."""
    assert style.number(value, decimals) == formatting.number(value, decimals)


def test_money_and_units():
    assert style.dkk(4_123_456) == "4.123.456 kr."
    assert style.dkk_compact(4_100_000) == "4,1 mio. kr."
    assert style.dkk_compact(1_240_000_000) == "1,2 mia. kr."
    assert style.dkk_compact(850_000) == "850.000 kr."
    assert style.tonnes(120.54) == "120,5 t"
    assert style.percent(-12.0) == "−12 %"
    assert style.percent(5, signed=True) == "+5 %"


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (4_100_000, 3_600_000, "−12 %"),
        (100, 103, "+3 %"),
        (100, 100, "±0 %"),
        (100, 99.6, "−0,4 %"),
        (0, 5, ""),  # no base, no percentage
    ],
)
def test_change_text(before, after, expected):
    assert style.change_text(before, after) == expected


@pytest.mark.parametrize(
    ("locs", "scale", "expected"),
    [
        ([0, 1000, 2000, 3000], 1, ["0", "1.000", "2.000", "3.000"]),
        ([0, 0.5, 1.0, 1.5], 1, ["0,0", "0,5", "1,0", "1,5"]),
        ([0, 0.25, 0.5], 1, ["0,00", "0,25", "0,50"]),
        ([3_500_000, 4_000_000, 4_500_000], 1e6, ["3,5", "4,0", "4,5"]),
        ([-20, 0, 20], 1, ["−20", "0", "20"]),
    ],
)
def test_axis_ticks_in_danish(locs, scale, expected):
    formatter = style.DanishFormatter(scale=scale)
    assert formatter.format_ticks(locs) == expected


def test_money_axis_scale():
    assert style.money_scale(4_100_000) == (1e6, "mio. kr.")
    assert style.money_scale(850_000) == (1.0, "kr.")


def test_dates_in_danish_without_locale():
    from datetime import date

    assert style.date_long(date(2026, 11, 28)) == "28. november 2026"
    assert style.date_short(date(2026, 3, 1)) == "01-03-2026"
