"""Reading parameter values typed by a person (Danish decimal comma, time windows)."""

from __future__ import annotations

import re

from app.args import bounded_float
from app.parameters.catalogue import BY_KEY, LOCATION_LISTS

THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$", re.ASCII)
WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)
# No parameter is anywhere near this; a larger number is a typing slip (or "1e400").
MAX_VALUE = 1e12


def format_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):  # location names
            return "; ".join(value)
        return ", ".join(f"{start}-{end}" for start, end in value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def parse_value(key: str, text: str):
    """Parse one form value; raises ValueError with a Danish message."""
    spec = BY_KEY[key]
    text = (text or "").strip()
    if key in LOCATION_LISTS:
        return parse_location_names(spec.label, text)
    if isinstance(spec.value, list):
        windows = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            match = WINDOW.match(part)
            if not match:
                raise ValueError(f"{spec.label}: '{part}' er ikke et tidsrum som 07:00-15:30.")
            h1, m1, h2, m2 = map(int, match.groups())
            if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
                raise ValueError(f"{spec.label}: '{part}' er ikke et gyldigt klokkeslæt.")
            windows.append([f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"])
        return windows
    if text == "":
        if spec.value is None:
            return None
        raise ValueError(f"{spec.label}: skal udfyldes.")
    if "," in text:  # Danish: 1.234,5
        text = text.replace(".", "").replace(",", ".")
    elif THOUSANDS.match(text):  # 1.500 is fifteen hundred, not one and a half
        text = text.replace(".", "")
    try:
        # ASCII digits and a point only: float() also takes "inf", "nan", "1e400", "1_0".
        number = bounded_float(text)
    except ValueError:
        raise ValueError(f"{spec.label}: '{text}' er ikke et tal.") from None
    if abs(number) > MAX_VALUE:
        raise ValueError(f"{spec.label}: '{text}' er for stort.")
    if number < 0:
        raise ValueError(f"{spec.label}: må ikke være negativ.")
    if spec.unit == "%" and number > 100:
        raise ValueError(f"{spec.label}: skal være mellem 0 og 100 %.")
    return int(number) if number.is_integer() and isinstance(spec.value, int) else number


def parse_location_names(label: str, text: str) -> list[str]:
    """ "Hjemmeplejen Nord; Rådhuset" -> the names, each an existing location."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Location

    names = sorted({part.strip() for part in text.split(";") if part.strip()})
    if names:
        known = set(db.session.scalars(select(Location.name)))
        for name in names:
            if name not in known:
                raise ValueError(f"{label}: der findes ingen lokation med navnet '{name}'.")
    return names
