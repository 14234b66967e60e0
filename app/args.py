"""Query parameters that cannot reach a view: NUL bytes, overlong values, huge integers.

`guard_request_args` runs before every request (before access control) and answers 400
with a Danish message for a query string no page of ours produces: a NUL or other control
character (PostgreSQL refuses NUL in text, and no form sends one), a value longer than
MAX_ARG_LENGTH, a whole number beyond a 32-bit database integer (SQLite raised
OverflowError, PostgreSQL "integer out of range": both were a 500; a search text `q` may
hold any number), or too many parameters. An integer in the path beyond the
range of the database's keys is a 404: no row can have it.

Views parse numbers with `bounded_int` (as `type=` of `request.args.get`) and `int_list`,
which accept ASCII digits only ("²".isdigit() is True, int("²") raises) and bound the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import request

MAX_ARG_LENGTH = 1000
MAX_ARGS = 200
# Integer columns and keys are 32-bit on PostgreSQL ("integer out of range" was a 500), so
# a whole number in the query string may not exceed that - except in free text (a search).
MAX_KEY = 2**31 - 1
FREE_TEXT_ARGS = frozenset({"q"})
_INTEGER = re.compile(r"[+-]?[0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MESSAGES = {
    "control": "Adressen indeholder et ugyldigt tegn (fx et NUL-tegn).",
    "long": f"En værdi i adressen er for lang (højst {MAX_ARG_LENGTH} tegn).",
    "number": "Et tal i adressen er for stort.",
    "many": f"Adressen har for mange parametre (højst {MAX_ARGS}).",
}


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
        stripped = value.strip()
        if key in FREE_TEXT_ARGS or not _INTEGER.fullmatch(stripped):
            continue
        if len(stripped) > 20 or abs(int(stripped)) > MAX_KEY:
            return "number"
    return None


def guard_request_args():
    """before_request: 400 (Danish) for an unusable query string, 404 for a path key
    beyond any row's id."""
    if problem := arg_problem(request.args):
        from app.main.errors import _render

        return _render(400, MESSAGES[problem])
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
