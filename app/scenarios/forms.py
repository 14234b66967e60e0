"""Reading the scenario setup form (dynamic fields: locations, candidates, parameters)."""

from __future__ import annotations

import re
from datetime import date

from app.args import bounded_float, bounded_int
from app.parameters.catalogue import CATALOGUE, KEEP_TYPE_KEY, LOCATION_LISTS
from app.parameters.forms import format_value, parse_value
from app.scenarios.service import ScenarioSetup

SHIFT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)


NAME_MAX = 200  # Scenario.name is String(200)
NOTES_MAX = 20_000
MAX_COUNT = 10_000  # vehicles of one model: far above any fleet
MAX_BUDGET_DKK = 1e11


def _number(text: str, label: str, errors: list[str], high: float) -> float | None:
    """A Danish number ("1.234,5") up to `high` (a negative one gets the service's own
    message); None when blank. ASCII digits only: float() would also take "inf", "nan",
    "1e400", "1_000" and non-ASCII digits."""
    text = (text or "").strip().replace(".", "").replace(",", ".")
    if not text:
        return None
    try:
        number = bounded_float(text)
    except ValueError:
        errors.append(f"{label}: '{text[:40]}' er ikke et tal.")
        return None
    if number > high:
        errors.append(f"{label}: højst {_plain(high)}.")
        return None
    return number


def _plain(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _ids(values: list[str], what: str, errors: list[str]) -> list[int]:
    """Chosen ids (checkbox values): ASCII digits within the key range, else a message."""
    ids = []
    for value in values:
        try:
            ids.append(bounded_int(value, 1))
        except ValueError:
            message = f"En valgt {what} findes ikke."
            if message not in errors:
                errors.append(message)
    return ids


def _date(text: str, label: str, errors: list[str]) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        errors.append(f"{label}: angiv en dato.")
        return None


def parse_shifts(text: str, location: str, errors: list[str]) -> list[list[str]] | None:
    """ "07:00-15:00, 15:00-23:00, 23:00-07:00" -> [["07:00","15:00"], ...]; must cover 24 h."""
    parts = [p for p in (text or "").split(",") if p.strip()]
    if not parts:
        return None
    shifts, minutes = [], 0
    for part in parts:
        match = SHIFT.match(part)
        if not match:
            errors.append(f"Vagter for {location}: '{part.strip()}' er ikke et tidsrum.")
            return None
        h1, m1, h2, m2 = map(int, match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        minutes += (end - start) % 1440 or 1440
        shifts.append([f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"])
    if not 2 <= len(shifts) <= 5 or minutes != 1440:
        errors.append(f"Vagter for {location}: 2-5 vagter, der tilsammen dækker døgnet.")
        return None
    return shifts


def parse_setup(
    form, locations: dict[int, str], defaults: dict | None = None
) -> tuple[ScenarioSetup | None, list[str]]:
    """The setup typed into the form. `defaults` are the global default parameter values
    (the form shows them): a value left at its default is no override."""
    defaults = defaults or {}
    errors: list[str] = []
    start = _date(form.get("period_start"), "Periodens start", errors)
    end = _date(form.get("period_end"), "Periodens slut", errors)
    scenario_name = form.get("name", "")
    if (length := len(scenario_name.strip())) > NAME_MAX:
        errors.append(f"Navnet må højst være {NAME_MAX} tegn (det har {_plain(length)}).")
    notes = form.get("notes", "")
    if len(notes.strip()) > NOTES_MAX:
        errors.append(f"Noterne må højst være {_plain(NOTES_MAX)} tegn.")
    location_ids = _ids(form.getlist("location_ids"), "lokation", errors)
    candidates: dict[int, int | None] = {}
    for model_id in _ids(form.getlist("candidate_ids"), "testkøretøjsmodel", errors):
        typed = form.get(f"candidate_max_{model_id}", "")
        max_count = _number(typed, "Højeste antal", errors, MAX_COUNT)
        if max_count is not None and not max_count.is_integer():
            errors.append(f"Højeste antal: '{typed.strip()[:40]}' er ikke et helt tal.")
            max_count = None
        candidates[model_id] = int(max_count) if max_count is not None else None
    overrides: dict = {}
    for spec in CATALOGUE:
        if spec.key in LOCATION_LISTS:
            continue  # checkboxes, below
        default = defaults.get(spec.key, spec.value)
        typed = form.get(f"param__{spec.key}")
        if typed is None or typed.strip() == format_value(default):
            continue
        try:
            value = parse_value(spec.key, typed)
        except ValueError as error:
            errors.append(str(error))
            continue
        if value != default:  # "12.5" from a number field is the default 12,5
            overrides[spec.key] = value
    decision = (form.get("decision_date") or "").strip()
    if decision and _date(decision, "Beslutningsdato", errors):
        overrides["_decision_date"] = decision
    shifts = {}
    for location_id in location_ids:
        name = locations.get(location_id)
        if name and (parsed := parse_shifts(form.get(f"shifts_{location_id}", ""), name, errors)):
            shifts[name] = parsed
    if shifts:
        overrides["_shifts"] = shifts
    # Keep today's vehicle type: a checkbox per location; only chosen locations count (as
    # for shifts). The scenario stores its own list only when it differs from the default.
    chosen = [locations[i] for i in location_ids if i in locations]
    keep = sorted(name for i, name in locations.items() if form.get(f"keep_type_{i}") == "1")
    keep = [name for name in keep if name in chosen]
    if keep != sorted(n for n in defaults.get(KEEP_TYPE_KEY, []) if n in chosen):
        overrides[KEEP_TYPE_KEY] = keep
    if errors or start is None or end is None:
        return None, errors
    setup = ScenarioSetup(
        name=scenario_name,
        kind=form.get("kind", "optimise"),
        period_start=start,
        period_end=end,
        location_ids=location_ids,
        pooled=form.get("pooled") == "1",
        notes=notes,
        candidates=candidates,
        overrides=overrides,
        co2_target_pct=_number(form.get("co2_target_pct", ""), "CO2e-mål", errors, 100),
        budget_dkk=_number(form.get("budget_dkk", ""), "Budgetloft", errors, MAX_BUDGET_DKK),
        alternatives=form.get("alternatives") == "1",
    )
    return (None, errors) if errors else (setup, errors)


def parse_counts(form) -> list[dict]:
    """Stepper values named count__<pool>__<group>."""
    counts = []
    for key, value in form.items():
        if key.startswith("count__"):
            _, pool, group = key.split("__", 2)
            try:
                count = bounded_int(value or "0", 0, MAX_COUNT)
            except ValueError:
                count = 0
            counts.append({"pool": pool, "group": group, "count": count})
    return counts
