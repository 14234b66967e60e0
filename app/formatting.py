"""Danish number and date formats for pages, exports and the PDF report.

Danish uses "." for thousands and "," for decimals (1.234,5) and dates like
"28. november 2026". Locale modules are not relied on: servers often lack da_DK.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Kept free of Flask and the models so the chart package and the engine can use it too.
LOCAL_TZ = ZoneInfo("Europe/Copenhagen")
MINUS = "−"  # U+2212: a real minus sign, not a hyphen

MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]
WEEKDAYS = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]


def number(value: float | int | None, decimals: int = 0, signed: bool = False) -> str:
    """1234567.891 -> "1.234.568" (decimals=0) or "1.234.567,9" (decimals=1); signed=True
    gives "+5" for increases (an effect), "0" stays unsigned."""
    if value is None:
        return "–"
    if signed:
        text = number(value, decimals)
        return "+" + text if value > 0 and text.strip("0,.") != "" else text
    text = f"{value:,.{decimals}f}"
    # Swap separators via a placeholder: "," -> ".", "." -> ",".
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    if text.startswith("-"):
        # "-0" after rounding is zero, not a negative number.
        stripped = text[1:]
        return stripped if set(stripped) <= set("0,.") else MINUS + stripped
    return text


def percent(value: float | None, decimals: int = 0, signed: bool = False) -> str:
    """-12.3 -> "−12 %"; signed=True gives "+5 %" for increases."""
    if value is None:
        return "–"
    text = number(value, decimals)
    if signed and value > 0 and text.strip("0,.") != "":
        text = "+" + text
    return f"{text} %"


def dkk(value: float | None) -> str:
    return "–" if value is None else f"{number(value)} kr."


def local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ)


def date_long(value: date | datetime | None) -> str:
    """28. november 2026"""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = local(value)
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def date_short(value: date | datetime | None) -> str:
    """28-11-2026"""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d-%m-%Y")


def datetime_short(value: datetime | None) -> str:
    """28-11-2026 14:05 (local time)"""
    if value is None:
        return "–"
    return local(value).strftime("%d-%m-%Y %H:%M")


def time_short(value: datetime | None) -> str:
    return "–" if value is None else local(value).strftime("%H:%M")


def time_seconds(value: datetime | None) -> str:
    """14:05:09 (local time)"""
    return "–" if value is None else local(value).strftime("%H:%M:%S")


def register(app) -> None:
    app.jinja_env.filters.update(
        number=number,
        percent=percent,
        dkk=dkk,
        date_long=date_long,
        date_short=date_short,
        datetime_short=datetime_short,
        time_short=time_short,
        time_seconds=time_seconds,
    )
