"""Reading the vehicle and model forms (plain HTML forms, Danish number formats)."""

from __future__ import annotations

import re

from app.args import form_int
from app.data.values import CellError, calendar_date, number
from app.models import Fuel, LeaseType, VehicleType

_THOUSANDS = re.compile(r"^\s*-?\d{1,3}(\.\d{3})+(,\d+)?\s*$")


def danish_number(raw):
    """A number typed by a Danish user: "70.000" is seventy thousand, "19,2" is 19.2."""
    if isinstance(raw, str) and _THOUSANDS.match(raw):
        raw = raw.replace(".", "")
    return number(raw)


NUMBER_FIELDS = ("km_per_litre", "wh_per_km", "range_km", "yearly_cost_dkk", "yearly_km_allowance")


def read_vehicle_form(form) -> tuple[dict, dict[str, str]]:
    values: dict = {}
    errors: dict[str, str] = {}
    values["fleet_id"] = form.get("fleet_id", "").strip()[:60]
    values["plate"] = form.get("plate", "").strip()[:20] or None
    values["make"] = form.get("make", "").strip()[:60]
    values["model"] = form.get("model", "").strip()[:60]
    for name, enum in (("vehicle_type", VehicleType), ("fuel", Fuel), ("lease_type", LeaseType)):
        raw = form.get(name, "")
        try:
            values[name] = enum(raw) if raw else None
        except ValueError:
            errors[name] = "Ugyldigt valg."
            values[name] = None
    for name in NUMBER_FIELDS:
        try:
            values[name] = danish_number(form.get(name))
        except CellError as problem:
            errors[name] = str(problem)
            values[name] = None
    for name in ("lease_start", "lease_end"):
        try:
            values[name] = calendar_date(form.get(name))
        except CellError as problem:
            errors[name] = str(problem)
            values[name] = None
    values["plug_in_hybrid"] = bool(form.get("plug_in_hybrid"))
    values["candidate"] = bool(form.get("candidate"))
    for name in ("location_id", "department_id"):
        # ASCII digits within the key range ("²".isdigit() is True, int("²") raises).
        try:
            values[name] = form_int(form, name)
        except ValueError:
            errors[name] = "Ugyldigt valg."
            values[name] = None
    return values, errors


def read_model_form(form) -> tuple[dict, dict[str, str]]:
    values, errors = read_vehicle_form(form)
    values["source"] = form.get("source", "").strip()[:500]
    if not values["make"]:
        errors["make"] = "Angiv mærke."
    if not values["model"]:
        errors["model"] = "Angiv model."
    return values, errors
