"""Query parameters and form values that cannot reach a view: NUL bytes, overlong values,
huge integers.

`guard_request_args` runs before every request (before access control) and answers 400
with a Danish message for a query string no page of ours produces: a NUL or other control
character (PostgreSQL refuses NUL in text, and no form sends one), a value longer than
MAX_ARG_LENGTH, a whole number beyond a 32-bit database integer (SQLite raised
OverflowError, PostgreSQL "integer out of range": both were a 500; a search text `q` may
hold any number), or too many parameters. An integer in the path beyond the
range of the database's keys is a 404: no row can have it.

The same guard refuses a form body (urlencoded or the text parts of a multipart upload;
file parts are not looked at) with a NUL or other control character (tab, newline and
carriage return are what a textarea sends and are allowed) or a value longer than
MAX_FORM_VALUE_LENGTH. Numbers in forms are the views' business: they answer with a
Danish validation message next to the field.

Views never call int()/float() or `type=int` on user input: Python's int() also accepts
"1_0000000000", " +12 " and non-ASCII digits ("١٢", and "²".isdigit() is True while
int("²") raises). They parse with `bounded_int` (as `type=` of `request.args.get`),
`int_list` and `bounded_float`, which accept ASCII digits only and bound the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from flask import request

MAX_ARG_LENGTH = 1000
MAX_ARGS = 200
# Generous: the longest text a form of ours takes is a report text (20.000 characters); a
# longer field a form checks itself (e.g. a scenario name) gets that form's own message.
MAX_FORM_VALUE_LENGTH = 200_000
MAX_FORM_FIELDS = 5000
# Integer columns and keys are 32-bit on PostgreSQL ("integer out of range" was a 500), so
# a whole number in the query string may not exceed that - except in free text (a search).
MAX_KEY = 2**31 - 1
FREE_TEXT_ARGS = frozenset({"q"})
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MESSAGES = {
    "control": "Adressen indeholder et ugyldigt tegn (fx et NUL-tegn).",
    "long": f"En værdi i adressen er for lang (højst {MAX_ARG_LENGTH} tegn).",
    "number": "Et tal i adressen er for stort.",
    "many": f"Adressen har for mange parametre (højst {MAX_ARGS}).",
}
FORM_MESSAGES = {
    "control": "Formularen indeholder et ugyldigt tegn (fx et NUL-tegn). Ret teksten og prøv igen.",
    "long": f"En værdi i formularen er for lang (højst {MAX_FORM_VALUE_LENGTH:,} tegn).".replace(
        ",", "."
    ),
    "many": f"Formularen har for mange felter (højst {MAX_FORM_FIELDS:,}).".replace(",", "."),
}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def arg_problem(args) -> str | None:
    """The key of MESSAGES for the first unusable query parameter, or None."""
    items = list(args.items(multi=True))
    if len(items) > MAX_ARGS:
        return "many"
    for key, value in items:
        for text in (key, value):
            if _CONTROL.search(text):
                return "control"
            if len(text) > MAX_ARG_LENGTH:
                return "long"
        if key in FREE_TEXT_ARGS:
            continue
        stripped = value.strip()
        if _INTEGER.fullmatch(stripped):
            if len(stripped) > 20 or abs(int(stripped)) > MAX_KEY:
                return "number"
        elif _python_int_beyond_key(stripped):
            return "number"
    return None


def _python_int_beyond_key(text: str) -> bool:
    """A whole number only Python's int() reads ("1_0000000000", "١٢٣٤٥٦٧٨٩٠١٢") beyond a
    key: the views do not read it (bounded_int), but it cannot be a value of ours either."""
    if not text or not any(c.isdigit() for c in text):
        return False
    try:
        return abs(int(text)) > MAX_KEY
    except ValueError:
        return False


def form_problem(form) -> str | None:
    """The key of FORM_MESSAGES for the first unusable form field, or None (file parts of
    a multipart body are in request.files, not here)."""
    items = list(form.items(multi=True))
    if len(items) > MAX_FORM_FIELDS:
        return "many"
    for key, value in items:
        if _CONTROL.search(key) or _CONTROL.search(value):
            return "control"
        if len(key) > MAX_ARG_LENGTH or len(value) > MAX_FORM_VALUE_LENGTH:
            return "long"
    return None


def guard_request_args():
    """before_request: 400 (Danish) for an unusable query string or form body, 404 for a
    path key beyond any row's id."""
    if problem := arg_problem(request.args):
        from app.main.errors import _render

        return _render(400, MESSAGES[problem])
    if request.mimetype in FORM_TYPES and (problem := form_problem(request.form)):
        from app.main.errors import _render

        return _render(400, FORM_MESSAGES[problem])
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not -MAX_KEY <= value <= MAX_KEY:
            from app.main.errors import _render

            return _render(404)
    return None


def bounded_int(value: str, low: int = -MAX_KEY, high: int = MAX_KEY) -> int:
    """int() for `request.args.get(..., type=bounded_int)`: ASCII digits only, within
    [low, high]; ValueError otherwise (so `get` falls back to its default)."""
    text = value.strip()
    if not _INTEGER.fullmatch(text):
        raise ValueError(f"not an integer: {value!r}")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"out of range: {number}")
    return number


def int_list(values: Iterable[str], limit: int | None = None) -> list[int]:
    """The usable positive ids among `values` (e.g. request.args.getlist("id"))."""
    found = []
    for value in values:
        try:
            number = bounded_int(value, 1)
        except ValueError:
            continue
        found.append(number)
        if limit is not None and len(found) >= limit:
            break
    return found


def form_int(form, name: str, low: int = 1, high: int = MAX_KEY) -> int | None:
    """A whole number from a form field: None when blank, ValueError when it is not ASCII
    digits within [low, high] (the view answers with its Danish message)."""
    text = (form.get(name) or "").strip()
    return bounded_int(text, low, high) if text else None


def bounded_float(value: str, low: float = -math.inf, high: float = math.inf) -> float:
    """float() for user input: ASCII digits with an optional sign and decimal point (no
    "inf", "nan", "1e400", "1_000" or non-ASCII digits), finite, within [low, high];
    ValueError otherwise."""
    text = value.strip()
    if not _DECIMAL.fullmatch(text) or len(text) > 40:
        raise ValueError(f"not a number: {value!r}")
    number = float(text)
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"out of range: {number}")
    return number
