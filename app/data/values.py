"""Parsing single cells the way Danish spreadsheets write them.

Numbers may use a decimal comma and thousands dots ("1.234,5"); dates may be ISO 8601,
"dd-mm-yyyy HH:MM", "dd.mm.yyyy HH:MM:SS", "dd/mm/yyyy" or Excel serial numbers; local
times are Europe/Copenhagen and become UTC here, daylight-saving nights included.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta

from app.models.types import LOCAL_TZ


class CellError(ValueError):
    """A cell that cannot be read; the message is Danish and says why."""


FORMULA_MESSAGE = "Cellen indeholder en formel. Gem filen med værdier i stedet for formler."
EXCEL_EPOCH = datetime(1899, 12, 30)
# Excel serials between 1954 and 2119: anything else in a date column is not a date.
EXCEL_SERIAL_RANGE = (20_000.0, 80_000.0)
_DMY = re.compile(
    r"^\s*(\d{1,2})[-./](\d{1,2})[-./](\d{4})"
    r"(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d{1,6}))?)?)?\s*$"
)
_TAGS = re.compile(r"<\s*[a-zA-Z/!]")


class Formula(str):
    """An XLSX formula without a computed value (Excel never saved its result)."""


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value, max_length: int = 120) -> str:
    """A text cell: trimmed; formulas and HTML are refused."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        raise CellError(FORMULA_MESSAGE)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        raise CellError("Her forventes tekst, ikke en dato.")
    result = str(value).strip()
    # Our own exports neutralise formula-like text with a leading apostrophe; undo that.
    if result[:2] in ("'=", "'+", "'-", "'@"):
        result = result[1:]
    elif result.startswith(("=", "@")):
        raise CellError(FORMULA_MESSAGE)
    if _TAGS.search(result):
        raise CellError("Teksten må ikke indeholde HTML.")
    if len(result) > max_length:
        raise CellError(f"Teksten er længere end {max_length} tegn.")
    return result


def number(value) -> float | None:
    """A number cell; None when blank. Accepts "12,5", "1.234,5", "1 234.5", "−3"."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError("Her forventes et tal.")
    if isinstance(value, int | float):
        result = float(value)
    else:
        if isinstance(value, Formula):
            raise CellError(FORMULA_MESSAGE)
        if isinstance(value, datetime | date):
            raise CellError("Her forventes et tal, ikke en dato.")
        raw = str(value).strip()
        if not raw:
            return None
        try:
            result = float(raw)
        except ValueError:
            result = _danish_number(raw)
    if not math.isfinite(result):
        raise CellError("Her forventes et tal.")
    return result


def _danish_number(raw: str) -> float:
    if raw.startswith("="):
        raise CellError(FORMULA_MESSAGE)
    cleaned = raw.replace(" ", "").replace("\xa0", "").replace("−", "-")
    if "," in cleaned:
        if "." in cleaned and cleaned.rfind(".") > cleaned.rfind(","):
            cleaned = cleaned.replace(",", "")
        else:
            cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        raise CellError("Her forventes et tal.") from None


def timestamp(value, day_first: bool = False) -> datetime:
    """A date-time cell as a naive local time or an aware time (when the cell had an offset).

    `day_first` tries "dd-mm-yyyy" before ISO 8601 (a column already seen to use it).
    """
    if value is None:
        raise CellError("Feltet er tomt; der skal stå et tidspunkt.")
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, bool):
        raise CellError(DATE_MESSAGE)
    if isinstance(value, int | float):
        return excel_serial(float(value))
    if isinstance(value, Formula):
        raise CellError(FORMULA_MESSAGE)
    raw = str(value).strip()
    if not raw:
        raise CellError("Feltet er tomt; der skal stå et tidspunkt.")
    match = _DMY.match(raw) if day_first else None
    if match is None:
        try:
            return datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith("Z") else raw)
        except ValueError:
            pass
        match = _DMY.match(raw)
    if match:
        day, month, year, hour, minute, second, fraction = match.groups()
        try:
            return datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                int((fraction or "0").ljust(6, "0")),
            )
        except ValueError:
            raise CellError("Datoen findes ikke (tjek dag, måned og klokkeslæt).") from None
    try:
        serial = float(raw.replace(",", "."))
    except ValueError:
        if raw.startswith("="):
            raise CellError(FORMULA_MESSAGE) from None
        raise CellError(DATE_MESSAGE) from None
    return excel_serial(serial)


DATE_MESSAGE = (
    "Tidspunktet kan ikke læses. Brug fx 2026-03-01 07:30, 01-03-2026 07:30 "
    "eller 01.03.2026 07:30:00."
)


def excel_serial(serial: float) -> datetime:
    if not EXCEL_SERIAL_RANGE[0] <= serial <= EXCEL_SERIAL_RANGE[1]:
        raise CellError(DATE_MESSAGE)
    moment = EXCEL_EPOCH + timedelta(days=serial)
    # Serials are binary fractions of a day: round to whole seconds.
    return (moment + timedelta(microseconds=500_000)).replace(microsecond=0)


def calendar_date(value) -> date | None:
    """A date cell (dd-mm-yyyy, ISO, Excel); None when blank."""
    if is_blank(value):
        return None
    moment = timestamp(value)
    has_time = moment.hour or moment.minute or moment.second
    if isinstance(moment, datetime) and has_time and moment.tzinfo is None:
        raise CellError("Her forventes en dato uden klokkeslæt.")
    return moment.date()


def boolean(value) -> bool | None:
    """ja/nej, yes/no, 1/0, sand/falsk; None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    token = str(value).strip().lower()
    if token in {"ja", "j", "yes", "y", "1", "1.0", "sand", "true", "x"}:
        return True
    if token in {"nej", "n", "no", "0", "0.0", "falsk", "false"}:
        return False
    raise CellError("Skriv ja eller nej.")


# Local time -> UTC, cached per hour: zoneinfo is exact but a million calls add up.
# Keyed by ordinal day * 24 + hour (see hour_key); the import's hot loop reads it directly.
HOUR_OFFSETS: dict[int, tuple[timedelta, timedelta, bool]] = {}
_OFFSETS = HOUR_OFFSETS


def hour_key(moment: datetime) -> int:
    return moment.toordinal() * 24 + moment.hour


def offsets(moment: datetime) -> tuple[timedelta, timedelta, bool]:
    """(UTC offset, offset of the repeated hour, hour does not exist) for a local time."""
    return _offsets(moment)


def _offsets(moment: datetime) -> tuple[timedelta, timedelta, bool]:
    key = moment.toordinal() * 24 + moment.hour
    cached = _OFFSETS.get(key)
    if cached is None:
        probe = datetime(moment.year, moment.month, moment.day, moment.hour, 30)
        first = probe.replace(tzinfo=LOCAL_TZ, fold=0).utcoffset()
        second = probe.replace(tzinfo=LOCAL_TZ, fold=1).utcoffset()
        back = (probe - first).replace(tzinfo=UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)
        cached = (first, second, back != probe)
        if len(_OFFSETS) > 200_000:
            _OFFSETS.clear()
        _OFFSETS[key] = cached
    return cached


NONEXISTENT_MESSAGE = (
    "Tidspunktet findes ikke i dansk tid: natten til sommertid springer uret fra 02:00 til 03:00."
)


def to_utc(moment: datetime, later: bool = False) -> datetime:
    """Naive UTC for a naive local (Europe/Copenhagen) or aware time.

    In the October night 02:00-03:00 happens twice; `later` picks the second (winter
    time) occurrence, used for an end time that would otherwise come before its start.
    """
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    first, second, nonexistent = _offsets(moment)
    if nonexistent:
        raise CellError(NONEXISTENT_MESSAGE)
    return moment - (second if later else first)


def is_ambiguous(moment: datetime) -> bool:
    if moment.tzinfo is not None:
        return False
    first, second, _ = _offsets(moment)
    return first != second


def aware(naive_utc: datetime) -> datetime:
    return naive_utc.replace(tzinfo=UTC)
