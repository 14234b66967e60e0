"""Independent check of any engine result against the model specified in the Engine issue.

This module deliberately re-derives everything from the problem's raw inputs and the
result's plan: its own vehicle groups, pools, eligibility, timing, EV energy and every total.
It imports nothing from the engine's model, preparation or planning code (only the shared
types and, through the problem, the parameter values), so a bug there cannot hide here.

`validate(problem, result)` returns a list of readable violations (empty = valid);
`assert_valid` raises `AssertionError` listing them.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from app.engine.parameters import Parameters
from app.engine.types import FleetLine, Result, Totals, Trip, VehicleType

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")
REL_TOL = 1e-6
ABS_TOL_DKK = 0.01  # money is reported in DKK; a cent of rounding is not a bug
ABS_TOL_SMALL = 1e-6  # tonnes, km
TIME_EPS_MIN = 1e-6
MAX_MESSAGES_PER_CHECK = 20  # a broken L plan must not produce 400k lines


# ---------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class BikeRule:
    max_km: float
    speed_kmh: float
    windows: tuple[tuple[int, int], ...]  # minutes after local midnight; end < start wraps


@dataclass(frozen=True)
class Settings:
    """Parameter values as the spec names them, read from `Parameters.to_dict()`."""

    period_start: date
    period_end: date
    decision_date: date
    emission: dict[str, float]
    price: dict[str, float]
    co2_value: float
    allowance_per_km: float
    own_car_km_per_litre: float
    penalty_per_trip: float
    max_unserved_per_pool: int | None
    must_serve_above_km: float | None
    changeover_min: float
    ev_derating_pct: float
    charger_kw: float
    min_charging_min: float
    bikes: dict[VehicleType, BikeRule]
    shifts: dict[str, tuple[tuple[int, int], ...]]
    pools: tuple[frozenset[str], ...]
    rel_gap: float
    bike_share_pct: float = 100.0
    keep_type_locations: frozenset[str] = frozenset()
    overage_per_km: float | None = None  # None: a km allowance is a hard limit

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days + 1  # both end dates count

    @property
    def scale(self) -> float:
        return 365.0 / self.period_days


def hhmm_to_minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def read_settings(problem: Any, result: Result | None = None) -> Settings:
    values = parameters_dict(problem)
    trips = list(problem.trips)
    period = values.get("period") or {}
    start = period.get("start")
    end = period.get("end")
    used = (result.parameters or {}).get("period") if result is not None else None
    # The spec's default period is first..last trip day; when the problem left it open,
    # read the period the engine reports using (checked against the trips in `validate`).
    today = date.today()
    if start is None:
        first = min((local(t.start).date() for t in trips), default=today)
        start = (used or {}).get("start") or first.isoformat()
    if end is None:
        last = max((local(t.end).date() for t in trips), default=today)
        end = (used or {}).get("end") or last.isoformat()
    period_end = date.fromisoformat(str(end))
    decision = values.get("decision_date")
    bike_rules = {
        kind: BikeRule(
            max_km=float(values[key]["max_km"]),
            speed_kmh=float(values[key]["speed_kmh"]),
            windows=tuple(
                (hhmm_to_minutes(a), hhmm_to_minutes(z)) for a, z in values[key]["windows"]
            ),
        )
        for kind, key in ((VehicleType.BIKE, "bike"), (VehicleType.EBIKE, "ebike"))
    }
    unserved = values["unserved"]
    allocation = values.get("allocation") or Parameters().to_dict()["allocation"]
    return Settings(
        period_start=date.fromisoformat(str(start)),
        period_end=period_end,
        decision_date=date.fromisoformat(str(decision)) if decision else period_end,
        emission={k: float(v) for k, v in values["emission_kg_per_unit"].items()},
        price={k: float(v) for k, v in values["energy_price_dkk_per_unit"].items()},
        co2_value=float(values["co2_value_dkk_per_t"]),
        allowance_per_km=float(values["own_car"]["allowance_dkk_per_km"]),
        own_car_km_per_litre=float(values["own_car"]["km_per_litre"]),
        penalty_per_trip=float(unserved.get("penalty_dkk_per_trip") or 0.0),
        max_unserved_per_pool=unserved.get("max_trips_per_pool"),
        must_serve_above_km=unserved.get("must_serve_above_km"),
        changeover_min=float(values["changeover_minutes"]),
        ev_derating_pct=float(values["ev"]["winter_derating_pct"]),
        charger_kw=float(values["ev"]["charger_kw"]),
        min_charging_min=float(values["ev"]["min_charging_minutes"]),
        bikes=bike_rules,
        shifts={
            loc: tuple((hhmm_to_minutes(a), hhmm_to_minutes(z)) for a, z in w)
            for loc, w in (values.get("shifts") or {}).items()
        },
        pools=tuple(frozenset(p) for p in (values.get("pools") or []) if p),
        rel_gap=float((values.get("solver") or {}).get("rel_gap", 0.001)),
        bike_share_pct=float(allocation["bike_share_pct"]),
        keep_type_locations=frozenset(allocation["keep_type_locations"]),
        overage_per_km=(values.get("allowance") or {}).get("overage_dkk_per_km"),
    )


def parameters_dict(problem: Any) -> dict:
    parameters = problem.parameters if problem.parameters is not None else Parameters()
    return parameters.to_dict() if hasattr(parameters, "to_dict") else dict(parameters)


# ---------------------------------------------------------------------------- time helpers
def local(moment: datetime) -> datetime:
    """The moment in Copenhagen local time (naive input is taken as local already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(LOCAL_TZ)


def epoch_minutes(moment: datetime) -> float:
    """Absolute minutes, so durations across a DST switch are real elapsed time."""
    return local(moment).timestamp() / 60.0


def minute_of_day(moment: datetime) -> float:
    lt = local(moment)
    return lt.hour * 60 + lt.minute + lt.second / 60.0


def inside_one_window(trip: Trip, windows: tuple[tuple[int, int], ...]) -> bool:
    """The whole trip lies inside one daily window in local time (limits inclusive)."""
    start, end = local(trip.start), local(trip.end)
    start_min = minute_of_day(start)
    # The end in minutes after the start day's midnight, so 24:00 and overnight trips work.
    end_min = (end.date() - start.date()).days * 1440 + minute_of_day(end)
    for open_min, close_min in windows:
        if open_min < close_min:
            if open_min <= start_min and end_min <= close_min:
                return True
        # A window wrapping midnight (22:00-06:00): tonight's part, or last night's tail.
        elif (open_min <= start_min and end_min <= 1440 + close_min) or end_min <= close_min:
            return True
    return False


# ---------------------------------------------------------------------------- groups
@dataclass
class Group:
    """A vehicle group as the spec defines it, derived here independently."""

    pool: frozenset[str]
    type: VehicleType
    fuel: str
    yearly_cost_dkk: float
    km_per_litre: float | None
    wh_per_km: float | None
    range_km: float | None
    make: str
    model: str
    candidate: bool
    model_id: str | None = None
    location: str | None = None
    max_count: int | None = None
    vehicle_ids: list[str] = field(default_factory=list)
    locked_count: int = 0
    km_allowance: float | None = None

    @property
    def current_count(self) -> int:
        return len(self.vehicle_ids)

    def litres_or_kwh_per_km(self) -> float:
        if self.fuel in ("petrol", "diesel", "hvo"):
            return 1.0 / self.km_per_litre if self.km_per_litre else 0.0
        if self.fuel == "electricity":
            return (self.wh_per_km or 0.0) / 1000.0
        return 0.0


def pool_of_location(settings: Settings, location: str) -> frozenset[str]:
    for pool in settings.pools:
        if location in pool:
            return pool
    return frozenset([location])


def pool_from_name(name: str) -> frozenset[str]:
    return frozenset(name.split("+"))


def current_groups(problem: Any, settings: Settings) -> list[Group]:
    groups: dict[tuple, Group] = {}
    for v in problem.vehicles:
        key = (
            v.location,
            v.type,
            str(v.fuel),
            v.km_per_litre,
            v.wh_per_km,
            v.range_km,
            v.yearly_cost_dkk,
            v.make,
            v.model,
            v.yearly_km_allowance,
        )
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(
                pool=pool_of_location(settings, v.location),
                type=VehicleType(v.type),
                fuel=str(v.fuel),
                yearly_cost_dkk=float(v.yearly_cost_dkk),
                km_per_litre=v.km_per_litre,
                wh_per_km=v.wh_per_km,
                range_km=v.range_km,
                make=v.make,
                model=v.model,
                candidate=False,
                location=v.location,
                km_allowance=v.yearly_km_allowance,
            )
        group.vehicle_ids.append(v.vehicle_id)
        if v.lease_end is not None and v.lease_end > settings.decision_date:
            group.locked_count += 1
    return list(groups.values())


def candidate_group(candidate: Any, pool: frozenset[str]) -> Group:
    return Group(
        pool=pool,
        type=VehicleType(candidate.type),
        fuel=str(candidate.fuel),
        yearly_cost_dkk=float(candidate.yearly_cost_dkk),
        km_per_litre=candidate.km_per_litre,
        wh_per_km=candidate.wh_per_km,
        range_km=candidate.range_km,
        make=candidate.make,
        model=candidate.model,
        candidate=True,
        model_id=candidate.model_id,
        max_count=candidate.max_count,
        km_allowance=candidate.yearly_km_allowance,
    )


def physical_key(group: Group) -> tuple:
    """What decides eligibility and per-km figures: groups equal here are interchangeable."""
    return (
        group.type,
        group.fuel,
        group.km_per_litre,
        group.wh_per_km,
        group.range_km,
        group.yearly_cost_dkk,
        group.km_allowance,
    )


class GroupIndex:
    """Maps the engine's (pool name, group id) to this module's own groups."""

    def __init__(self, problem: Any, settings: Settings, fleet: list[FleetLine]):
        self.errors: list[str] = []
        self.by_line: dict[tuple[str, str], Group] = {}
        currents = current_groups(problem, settings)
        candidates = {c.model_id: c for c in problem.candidates}
        unmatched: dict[frozenset[str], list[Group]] = defaultdict(list)
        for g in currents:
            unmatched[g.pool].append(g)
        for line in fleet:
            pool = pool_from_name(line.pool)
            if line.candidate or (line.group in candidates and not self._is_current(line)):
                if line.group not in candidates:
                    self.errors.append(f"fleet: candidate group {line.group!r} is no model_id")
                    continue
                self.by_line[(line.pool, line.group)] = candidate_group(
                    candidates[line.group], pool
                )
                continue
            group = self._match_current(line, unmatched.get(pool, []))
            if group is None:
                self.errors.append(
                    f"fleet: current group {line.pool}/{line.group} ({line.label}) matches no group"
                    " of identical vehicles in that pool"
                )
                continue
            unmatched[pool].remove(group)
            self.by_line[(line.pool, line.group)] = group
        self.missing_current = [g for groups in unmatched.values() for g in groups]

    @staticmethod
    def _is_current(line: FleetLine) -> bool:
        return line.current_count > 0

    @staticmethod
    def _match_current(line: FleetLine, options: list[Group]) -> Group | None:
        """Exposed member ids win; otherwise match on the figures a fleet line carries."""
        members = list(getattr(line, "vehicle_ids", None) or [])
        members += [h["vehicle_id"] for h in getattr(line, "handed_in", None) or []]
        if members:
            for g in options:
                if sorted(g.vehicle_ids) == sorted(members):
                    return g
            return None
        same = [
            g
            for g in options
            if g.type == VehicleType(line.type)
            and g.fuel == str(line.fuel)
            and math.isclose(g.yearly_cost_dkk, line.yearly_cost_dkk, rel_tol=1e-9)
            and g.current_count == line.current_count
        ]
        if len(same) > 1:
            labelled = [g for g in same if g.make in line.label and g.model in line.label]
            same = labelled or same
        if len(same) > 1:
            labelled = [g for g in same if g.location and g.location in (line.label + line.group)]
            same = labelled or same
        if not same:
            return None
        # Still ambiguous only if they differ in something that matters: then refuse.
        if len({physical_key(g) for g in same}) > 1:
            return None
        return same[0]


# ---------------------------------------------------------------------------- eligibility
def derated_range_km(group: Group, settings: Settings) -> float:
    if group.range_km is None:
        return math.inf
    return group.range_km * (1.0 - settings.ev_derating_pct / 100.0)


def share_draw(trip_id: str) -> int:
    """The spec's fixed draw of a trip: BLAKE2b with an 8-byte digest of the UTF-8 trip id,
    as a big-endian unsigned number in [0, 2**64)."""
    return int.from_bytes(hashlib.blake2b(trip_id.encode("utf-8"), digest_size=8).digest(), "big")


def staff_would_ride(trip: Trip, today_type: VehicleType | None, share_pct: float) -> bool:
    """A bike-eligible trip counts as ridden if it was ridden today or if its draw / 2**64
    lies below share / 100 (compared exactly: 100 * draw < share * 2**64 in Python's exact
    int-float comparison)."""
    if today_type in (VehicleType.BIKE, VehicleType.EBIKE) or share_pct >= 100:
        return True
    return 100 * share_draw(trip.trip_id) < share_pct * 2.0**64


def ineligibility(
    trip: Trip, group: Group, settings: Settings, today_type: VehicleType | None = None
) -> str | None:
    """Why the group may not serve the trip, or None if it may. `today_type` is the type of
    the vehicle that drove the trip today (None: no vehicle or one not in the register)."""
    if trip.location not in group.pool:
        return f"location {trip.location!r} is not in pool {'+'.join(sorted(group.pool))}"
    if group.type == VehicleType.EV:
        limit = derated_range_km(group, settings)
        if trip.distance_km > limit + 1e-9:
            return f"{trip.distance_km} km exceeds the derated EV range {limit:.3f} km"
    if group.type in (VehicleType.BIKE, VehicleType.EBIKE):
        rule = settings.bikes[group.type]
        if trip.distance_km > rule.max_km + 1e-9:
            return f"{trip.distance_km} km exceeds the {group.type} max {rule.max_km} km"
        if not inside_one_window(trip, rule.windows):
            return f"{local(trip.start):%H:%M}-{local(trip.end):%H:%M} is outside the windows"
        duration = epoch_minutes(trip.end) - epoch_minutes(trip.start)
        needed = trip.distance_km / rule.speed_kmh * 60.0
        if needed > duration + TIME_EPS_MIN:
            return (
                f"{trip.distance_km} km at {rule.speed_kmh} km/h needs {needed:.1f} min,"
                f" the trip lasts {duration:.1f} min"
            )
        if not staff_would_ride(trip, today_type, settings.bike_share_pct):
            return (
                f"not among the {settings.bike_share_pct:g} % of bike-eligible trips staff"
                f" will ride (allocation.bike_share_pct; draw"
                f" {share_draw(trip.trip_id) / 2**64:.4f}, today on"
                f" {trip.vehicle_id or 'no known vehicle'})"
            )
    if (
        trip.location in settings.keep_type_locations
        and today_type is not None
        and VehicleType(group.type) != today_type
    ):
        return (
            f"location {trip.location!r} keeps today's vehicle type"
            f" (allocation.keep_type_locations): driven today by {trip.vehicle_id}"
            f" ({today_type}), not by a {group.type}"
        )
    return None


# ---------------------------------------------------------------------------- shifts
@dataclass(frozen=True)
class ShiftOccurrence:
    """One crew's shift: the trips one real vehicle drove in one shift on one day."""

    key: tuple  # (pool, vehicle_id, day the shift opened, opening minute)
    opens: float  # epoch minutes
    closes: float


def shift_occurrence(
    trip: Trip, settings: Settings, known_vehicles: set[str]
) -> ShiftOccurrence | None:
    """The shift a trip belongs to (by its local start), or None outside shifts.

    The block is the vehicle's trips in that shift occurrence, whichever of the pool's
    locations they start from. Only trips of a known vehicle form blocks: without a crew's
    vehicle there is no crew.
    """
    shifts = settings.shifts.get(trip.location)
    if not shifts or trip.vehicle_id not in known_vehicles:
        return None
    start = local(trip.start)
    minute = minute_of_day(start)
    pool = "+".join(sorted(pool_of_location(settings, trip.location)))
    for open_min, close_min in shifts:
        length = close_min - open_min if close_min > open_min else close_min + 1440 - open_min
        for days_back in (0, 1):
            opened = start.date() - timedelta(days=days_back)
            since_open = minute + days_back * 1440 - open_min
            if 0 <= since_open < length:
                opens = epoch_minutes(
                    datetime.combine(opened, datetime.min.time()) + timedelta(minutes=open_min)
                )
                return ShiftOccurrence(
                    (pool, trip.vehicle_id, opened, open_min), opens, opens + length
                )
    return None


# ---------------------------------------------------------------------------- messages
class Messages:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.counts: Counter[str] = Counter()

    def add(self, check: str, text: str) -> None:
        self.counts[check] += 1
        if self.counts[check] <= MAX_MESSAGES_PER_CHECK:
            self.items.append(f"{check}: {text}")

    def finish(self) -> list[str]:
        for check, n in self.counts.items():
            if n > MAX_MESSAGES_PER_CHECK:
                self.items.append(f"{check}: ... and {n - MAX_MESSAGES_PER_CHECK} more")
        return self.items


def close(a: float, b: float, abs_tol: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=abs_tol)


# ---------------------------------------------------------------------------- validate
def validate(problem: Any, result: Result, *, check_bounds: bool | None = None) -> list[str]:
    """Every way `result` breaks the spec for `problem`; empty if none.

    `check_bounds` (locked <= count <= current count, candidates <= max_count) defaults to
    on for `optimise` only: a manual simulation may ask for any counts.
    """
    messages = Messages()
    if result.status in ("infeasible", "error", "unreachable", "time_limit"):
        if any(v is not None for v in result.plan.values()):
            messages.add("status", f"status {result.status} but the plan serves trips")
        return messages.finish()

    settings = read_settings(problem, result)
    trips = {t.trip_id: t for t in problem.trips}
    in_period = {
        tid: t
        for tid, t in trips.items()
        if settings.period_start <= local(t.start).date() <= settings.period_end
    }
    check_period(problem, settings, result, messages)
    check_plan_keys(result, trips, in_period, messages)

    if result.operation == "baseline":
        check_baseline_plan(problem, result, in_period, messages)
        expected = baseline_totals(problem, settings, in_period)
        compare_totals(expected, result.totals, "totals", messages)
        return messages.finish()

    index = GroupIndex(problem, settings, result.fleet)
    for error in index.errors:
        messages.add("fleet", error)
    vehicle_group = concrete_vehicle_groups(result, index, messages)
    served: dict[str, list[Trip]] = defaultdict(list)
    for tid, vehicle in result.plan.items():
        if vehicle is not None and tid in in_period:
            served[vehicle].append(in_period[tid])

    today_types = {v.vehicle_id: VehicleType(v.type) for v in problem.vehicles}
    check_eligibility(served, vehicle_group, settings, messages, today_types)
    check_timing_and_shifts(problem, served, in_period, result, settings, messages)
    check_ev_energy(served, vehicle_group, settings, messages)
    check_counts(served, vehicle_group, index, result, messages, check_bounds)
    check_unserved_rules(in_period, result, settings, messages)
    check_vehicle_usage(served, result, vehicle_group, settings, messages)

    vehicles_by_id = {v.vehicle_id: v for v in problem.vehicles}
    check_vehicle_names(problem, result, index, vehicle_group, settings, messages)
    check_km_allowances(served, result, vehicle_group, vehicles_by_id, settings, messages)
    expected = plan_totals(
        vehicles_by_id, in_period, result, served, vehicle_group, index, settings
    )
    compare_totals(expected, result.totals, "totals", messages)
    if result.baseline is not None:
        compare_totals(
            baseline_totals(problem, settings, in_period), result.baseline, "baseline", messages
        )
    check_objective(result, settings, messages)
    check_alternatives(result, index, messages, check_bounds)
    return messages.finish()


def assert_valid(problem: Any, result: Result, **options: Any) -> None:
    problems = validate(problem, result, **options)
    if problems:
        raise AssertionError(
            f"{result.operation} result breaks the spec:\n  " + "\n  ".join(problems)
        )


def check_period(problem: Any, settings: Settings, result: Result, messages: Messages) -> None:
    values = parameters_dict(problem)
    given = values.get("period") or {}
    trips = list(problem.trips)
    if not trips:
        return
    if given.get("start") is None:
        first = min(local(t.start).date() for t in trips)
        if settings.period_start != first:
            messages.add("period", f"default start should be first trip day {first}")
    if given.get("end") is None:
        last_start = max(local(t.start).date() for t in trips)
        last_end = max(local(t.end).date() for t in trips)
        if settings.period_end not in (last_start, last_end):
            messages.add("period", f"default end should be the last trip day {last_start}")


def check_plan_keys(
    result: Result, trips: dict[str, Trip], in_period: dict[str, Trip], messages: Messages
) -> None:
    # A dict cannot hold a trip twice; a trip on two vehicles would show as an unknown id
    # or a missing one, and the usage counts below catch double counting.
    for tid in result.plan:
        if tid not in trips:
            messages.add("plan", f"unknown trip {tid!r}")
        elif tid not in in_period and result.plan[tid] is not None:
            messages.add("plan", f"trip {tid} lies outside the period but is served")
    for tid in in_period:
        if tid not in result.plan:
            messages.add("plan", f"trip {tid} is missing from the plan")


def check_baseline_plan(
    problem: Any, result: Result, in_period: dict[str, Trip], messages: Messages
) -> None:
    """Baseline is today's fleet as driven: one concrete name per real vehicle."""
    known = {v.vehicle_id for v in problem.vehicles}
    name_of_vehicle: dict[str, str] = {}
    vehicle_of_name: dict[str, str] = {}
    for tid, trip in in_period.items():
        name = result.plan.get(tid)
        if trip.vehicle_id not in known:
            if name is not None:
                messages.add("baseline", f"trip {tid} of unknown vehicle is served by {name}")
            continue
        if name is None:
            messages.add("baseline", f"trip {tid} of {trip.vehicle_id} is unserved")
            continue
        if name_of_vehicle.setdefault(trip.vehicle_id, name) != name:
            messages.add("baseline", f"{trip.vehicle_id}'s trips are on several names")
        if vehicle_of_name.setdefault(name, trip.vehicle_id) != trip.vehicle_id:
            messages.add("baseline", f"{name} carries trips of several real vehicles")


def concrete_vehicle_groups(
    result: Result, index: GroupIndex, messages: Messages
) -> dict[str, tuple[tuple[str, str], Group]]:
    """Concrete vehicle name -> ((pool, group) as the engine names them, own group)."""
    lines = {(line.pool, line.group) for line in result.fleet}
    mapping: dict[str, tuple[tuple[str, str], Group]] = {}
    for usage in result.vehicles:
        key = (usage.pool, usage.group)
        if key in index.by_line:
            mapping[usage.vehicle] = (key, index.by_line[key])
    owner = {}
    for line in result.fleet:
        for name in [*line.vehicle_ids, *line.new_vehicles]:
            owner[name] = (line.pool, line.group)
    for name in {v for v in result.plan.values() if v is not None} - set(mapping):
        # Not listed in `vehicles`: the fleet line that keeps or adds it
        match = owner.get(name)
        if match is None or match not in lines or match not in index.by_line:
            messages.add("vehicles", f"plan uses {name!r}, which belongs to no fleet group")
            continue
        mapping[name] = (match, index.by_line[match])
    return mapping


def check_eligibility(
    served: dict[str, list[Trip]],
    vehicle_group: dict[str, tuple[tuple[str, str], Group]],
    settings: Settings,
    messages: Messages,
    today_types: dict[str, VehicleType] | None = None,
) -> None:
    today_types = today_types or {}
    for name, trips in served.items():
        if name not in vehicle_group:
            continue
        group = vehicle_group[name][1]
        for trip in trips:
            today = today_types.get(trip.vehicle_id) if trip.vehicle_id is not None else None
            why = ineligibility(trip, group, settings, today)
            if why:
                messages.add("eligibility", f"trip {trip.trip_id} on {name}: {why}")


def check_timing_and_shifts(
    problem: Any,
    served: dict[str, list[Trip]],
    in_period: dict[str, Trip],
    result: Result,
    settings: Settings,
    messages: Messages,
) -> None:
    """Units on a vehicle (trips, or whole shift blocks) follow each other with changeover.

    A shift block keeps its vehicle for the whole shift (the crew keeps the car, as in
    the incumbent tool) and for its trips, whichever is longer.
    """
    known = {v.vehicle_id for v in problem.vehicles}
    occurrence = {tid: shift_occurrence(t, settings, known) for tid, t in in_period.items()}
    vehicles_of_block: dict[tuple, set[str | None]] = defaultdict(set)
    for tid, shift in occurrence.items():
        if shift is not None:
            vehicles_of_block[shift.key].add(result.plan.get(tid))
    for key, vehicles in vehicles_of_block.items():
        if len(vehicles) > 1:
            shown = sorted(str(v) for v in vehicles)
            messages.add(
                "shifts",
                f"block of {key[1]} in {key[0]}, shift opening {key[2]}"
                f" {key[3] // 60:02d}:{key[3] % 60:02d} is split: {shown}",
            )

    changeover = settings.changeover_min
    for name, trips in served.items():
        units: dict[Any, list] = {}  # key -> [from, busy until, first trip id]
        for trip in trips:
            start, end = epoch_minutes(trip.start), epoch_minutes(trip.end)
            if end < start:
                messages.add("timing", f"trip {trip.trip_id} ends before it starts")
            shift = occurrence.get(trip.trip_id)
            if shift is None:
                units[("trip", trip.trip_id)] = [start, end + changeover, trip.trip_id]
                continue
            unit = units.setdefault(shift.key, [shift.opens, shift.closes, trip.trip_id])
            unit[0] = min(unit[0], start)
            unit[1] = max(unit[1], end + changeover)
        ordered = sorted(units.values())
        for before, after in pairwise(ordered):
            if after[0] + TIME_EPS_MIN < before[1]:
                messages.add(
                    "timing",
                    f"on {name}: {after[2]} starts {before[1] - after[0]:.1f} min before"
                    f" {before[2]} (with changeover {changeover:g} min) frees the vehicle",
                )


def check_ev_energy(
    served: dict[str, list[Trip]],
    vehicle_group: dict[str, tuple[tuple[str, str], Group]],
    settings: Settings,
    messages: Messages,
) -> None:
    """Battery (in km of derated range) never runs below zero; long home stops recharge."""
    for name, trips in served.items():
        if name not in vehicle_group or vehicle_group[name][1].type != VehicleType.EV:
            continue
        group = vehicle_group[name][1]
        capacity_km = derated_range_km(group, settings)
        if math.isinf(capacity_km):
            continue
        km_per_minute = (
            settings.charger_kw / 60.0 / (group.wh_per_km / 1000.0) if group.wh_per_km else math.inf
        )
        charge_km = capacity_km
        previous_end: float | None = None
        for trip in sorted(trips, key=lambda t: epoch_minutes(t.start)):
            start = epoch_minutes(trip.start)
            if previous_end is not None:
                stop = start - previous_end
                if stop >= settings.min_charging_min - TIME_EPS_MIN:
                    charge_km = min(capacity_km, charge_km + stop * km_per_minute)
            charge_km -= trip.distance_km
            if charge_km < -1e-6:
                messages.add(
                    "ev_energy",
                    f"{name} runs out on trip {trip.trip_id}: {-charge_km:.2f} km short of"
                    f" the derated range {capacity_km:.1f} km",
                )
                charge_km = 0.0
            previous_end = epoch_minutes(trip.end)


def check_counts(
    served: dict[str, list[Trip]],
    vehicle_group: dict[str, tuple[tuple[str, str], Group]],
    index: GroupIndex,
    result: Result,
    messages: Messages,
    check_bounds: bool | None,
) -> None:
    used: Counter[tuple[str, str]] = Counter()
    for name in served:
        if name in vehicle_group:
            used[vehicle_group[name][0]] += 1
    count_of = {(line.pool, line.group): line.count for line in result.fleet}
    for key, n in used.items():
        if n > count_of.get(key, 0):
            messages.add(
                "counts", f"{key[0]}/{key[1]} uses {n} vehicles, count {count_of.get(key, 0)}"
            )
    if check_bounds is None:
        check_bounds = result.operation == "optimise"
    for line in result.fleet:
        group = index.by_line.get((line.pool, line.group))
        if group is None:
            continue
        where = f"{line.pool}/{line.group}"
        if line.count < 0:
            messages.add("counts", f"{where} has negative count {line.count}")
        if not group.candidate:
            if line.current_count != group.current_count:
                messages.add(
                    "fleet",
                    f"{where} current count {line.current_count}, expected {group.current_count}",
                )
            if line.locked_count != group.locked_count:
                messages.add(
                    "fleet",
                    f"{where} locked count {line.locked_count}, expected {group.locked_count}",
                )
        if not check_bounds:
            continue
        if group.candidate:
            if group.max_count is not None and line.count > group.max_count:
                messages.add("bounds", f"{where} count {line.count} > max_count {group.max_count}")
        else:
            if line.count > group.current_count:
                messages.add(
                    "bounds", f"{where} count {line.count} > current {group.current_count}"
                )
            if line.count < group.locked_count:
                messages.add("bounds", f"{where} count {line.count} < locked {group.locked_count}")
    if check_bounds:
        for group in index.missing_current:
            if group.locked_count > 0:
                messages.add(
                    "bounds",
                    f"{group.make} {group.model} at {group.location}: {group.locked_count} locked"
                    " vehicles but no fleet line",
                )


def check_unserved_rules(
    in_period: dict[str, Trip], result: Result, settings: Settings, messages: Messages
) -> None:
    per_pool: Counter[frozenset[str]] = Counter()
    for tid, trip in in_period.items():
        if result.plan.get(tid) is not None:
            continue
        per_pool[pool_of_location(settings, trip.location)] += 1
        limit = settings.must_serve_above_km
        if limit is not None and trip.distance_km > limit:
            messages.add("unserved", f"trip {tid} ({trip.distance_km} km > {limit} km) is unserved")
    if settings.max_unserved_per_pool is not None:
        for pool, n in per_pool.items():
            if n > settings.max_unserved_per_pool:
                messages.add(
                    "unserved",
                    f"pool {'+'.join(sorted(pool))}: {n} unserved"
                    f" > {settings.max_unserved_per_pool}",
                )


def check_vehicle_usage(
    served: dict[str, list[Trip]],
    result: Result,
    vehicle_group: dict[str, tuple[tuple[str, str], Group]],
    settings: Settings,
    messages: Messages,
) -> None:
    """Per-vehicle figures agree with the plan: trips, km, yearly km, fixed and energy."""
    listed = {u.vehicle: u for u in result.vehicles}
    if len(listed) != len(result.vehicles):
        messages.add("vehicles", "a concrete vehicle is listed twice")
    for name, usage in listed.items():
        trips = served.get(name, [])
        if usage.trips != len(trips):
            messages.add("vehicles", f"{name} reports {usage.trips} trips, plan has {len(trips)}")
        km = sum(t.distance_km for t in trips)
        if not close(usage.km, km, ABS_TOL_SMALL * 1000):
            messages.add("vehicles", f"{name} reports {usage.km} km, plan has {km}")
        if not close(usage.km_per_year, km * settings.scale, ABS_TOL_SMALL * 1000):
            messages.add("vehicles", f"{name} km_per_year {usage.km_per_year}, expected km x s")
        if name not in vehicle_group:
            continue
        group = vehicle_group[name][1]
        if not close(usage.fixed_dkk, group.yearly_cost_dkk, ABS_TOL_DKK):
            messages.add(
                "vehicles", f"{name} fixed {usage.fixed_dkk}, group costs {group.yearly_cost_dkk}"
            )
        energy = (
            settings.scale * km * group.litres_or_kwh_per_km() * settings.price.get(group.fuel, 0.0)
        )
        if not close(usage.energy_dkk, energy, ABS_TOL_DKK):
            messages.add("vehicles", f"{name} energy {usage.energy_dkk}, recomputed {energy}")


# ---------------------------------------------------------------------------- totals
@dataclass
class PeriodSums:
    """Period sums of the variable parts; `yearly` scales them."""

    energy_dkk: float = 0.0
    co2e_kg: float = 0.0
    served_km: float = 0.0
    unserved_trips: int = 0
    unserved_km: float = 0.0
    overage_dkk: float = 0.0  # yearly already: priced km over the vehicles' allowances

    def serve(self, distance: float, per_km: float, fuel: str, settings: Settings) -> None:
        amount = distance * per_km
        self.energy_dkk += amount * settings.price.get(fuel, 0.0)
        self.co2e_kg += amount * settings.emission.get(fuel, 0.0)
        self.served_km += distance

    def leave(self, distance: float, settings: Settings) -> None:
        self.unserved_trips += 1
        self.unserved_km += distance
        self.co2e_kg += distance / settings.own_car_km_per_litre * settings.emission["petrol"]

    def yearly(self, fixed: float, vehicles: int, trips: int, settings: Settings) -> Totals:
        s = settings.scale
        allowance = s * self.unserved_km * settings.allowance_per_km
        energy = s * self.energy_dkk
        co2e_t = s * self.co2e_kg / 1000.0
        return Totals(
            yearly_cost_dkk=fixed + energy + allowance + self.overage_dkk,
            fixed_dkk=fixed,
            energy_dkk=energy,
            allowance_dkk=allowance,
            co2e_t=co2e_t,
            co2e_value_dkk=co2e_t * settings.co2_value,
            unserved_penalty_dkk=s * self.unserved_trips * settings.penalty_per_trip,
            vehicles=vehicles,
            trips=trips,
            served_km=self.served_km,
            unserved_trips=self.unserved_trips,
            unserved_km=self.unserved_km,
            overage_dkk=self.overage_dkk,
        )


def per_km(vehicle: Any) -> float:
    fuel = str(vehicle.fuel)
    if fuel in ("petrol", "diesel", "hvo"):
        return 1.0 / vehicle.km_per_litre if vehicle.km_per_litre else 0.0
    if fuel == "electricity":
        return (vehicle.wh_per_km or 0.0) / 1000.0
    return 0.0


def baseline_totals(problem: Any, settings: Settings, in_period: dict[str, Trip]) -> Totals:
    vehicles = {v.vehicle_id: v for v in problem.vehicles}
    sums = PeriodSums()
    for trip in in_period.values():
        vehicle = vehicles.get(trip.vehicle_id) if trip.vehicle_id is not None else None
        if vehicle is None:
            sums.leave(trip.distance_km, settings)
        else:
            sums.serve(trip.distance_km, per_km(vehicle), str(vehicle.fuel), settings)
    driven: dict[str, float] = defaultdict(float)
    for trip in in_period.values():
        if trip.vehicle_id in vehicles:
            driven[trip.vehicle_id] += trip.distance_km
    for vid, vehicle in vehicles.items():
        sums.overage_dkk += overage_dkk(driven[vid], vehicle.yearly_km_allowance, settings)
    fixed = sum(float(v.yearly_cost_dkk) for v in problem.vehicles)
    return sums.yearly(fixed, len(vehicles), len(in_period), settings)


def km_over(period_km: float, allowance: float | None, settings: Settings) -> float:
    """Yearly km above the allowance (period km x 365 / period days)."""
    if allowance is None:
        return 0.0
    return max(0.0, period_km * settings.scale - allowance)


def overage_dkk(period_km: float, allowance: float | None, settings: Settings) -> float:
    if settings.overage_per_km is None:
        return 0.0
    return km_over(period_km, allowance, settings) * settings.overage_per_km


def plan_totals(
    problem_vehicles: dict[str, Any],
    in_period: dict[str, Trip],
    result: Result,
    served: dict[str, list[Trip]],
    vehicle_group: dict[str, tuple[tuple[str, str], Group]],
    index: GroupIndex,
    settings: Settings,
) -> Totals:
    sums = PeriodSums()
    for tid, trip in in_period.items():
        if result.plan.get(tid) is None:
            sums.leave(trip.distance_km, settings)
    for name, trips in served.items():
        if name not in vehicle_group:
            continue
        group = vehicle_group[name][1]
        for trip in trips:
            sums.serve(trip.distance_km, group.litres_or_kwh_per_km(), group.fuel, settings)
        km = sum(t.distance_km for t in trips)
        sums.overage_dkk += overage_dkk(km, allowance_of(name, group, problem_vehicles), settings)
    fixed = 0.0
    vehicles = 0
    for line in result.fleet:
        group = index.by_line.get((line.pool, line.group))
        cost = group.yearly_cost_dkk if group is not None else line.yearly_cost_dkk
        fixed += line.count * cost
        vehicles += line.count
    return sums.yearly(fixed, vehicles, len(in_period), settings)


TOTAL_FIELDS: tuple[tuple[str, float], ...] = (
    ("yearly_cost_dkk", ABS_TOL_DKK),
    ("fixed_dkk", ABS_TOL_DKK),
    ("energy_dkk", ABS_TOL_DKK),
    ("allowance_dkk", ABS_TOL_DKK),
    ("co2e_t", ABS_TOL_SMALL),
    ("co2e_value_dkk", ABS_TOL_DKK),
    ("unserved_penalty_dkk", ABS_TOL_DKK),
    ("vehicles", 0.0),
    ("trips", 0.0),
    ("served_km", ABS_TOL_SMALL * 1000),
    ("unserved_trips", 0.0),
    ("unserved_km", ABS_TOL_SMALL * 1000),
    ("overage_dkk", ABS_TOL_DKK),
)


def compare_totals(expected: Totals, got: Totals, label: str, messages: Messages) -> None:
    for name, abs_tol in TOTAL_FIELDS:
        want, have = getattr(expected, name), getattr(got, name)
        if not close(float(have), float(want), abs_tol):
            messages.add(label, f"{name} is {have!r}, recomputed {want!r}")


def check_objective(result: Result, settings: Settings, messages: Messages) -> None:
    """The reported objective, bound and gap agree with each other and with the totals."""
    if result.objective is None:
        return
    if result.operation in ("simulate", "optimise") and not close(
        result.objective, result.totals.objective_dkk, ABS_TOL_DKK
    ):
        messages.add(
            "objective",
            f"objective {result.objective!r} != totals {result.totals.objective_dkk!r}",
        )
    if result.best_bound is not None and result.best_bound > result.objective + max(
        ABS_TOL_DKK, REL_TOL * abs(result.objective)
    ):
        messages.add("objective", f"bound {result.best_bound} above objective {result.objective}")
    if result.gap is not None:
        if result.gap < -1e-9:
            messages.add("objective", f"negative gap {result.gap}")
        if result.status == "optimal" and result.gap > settings.rel_gap + 1e-6:
            messages.add("objective", f"optimal with gap {result.gap} > rel_gap {settings.rel_gap}")


def check_alternatives(
    result: Result, index: GroupIndex, messages: Messages, check_bounds: bool | None
) -> None:
    """Alternatives carry no plan, but their fleets and fixed costs must add up."""
    if check_bounds is None:
        check_bounds = result.operation == "optimise"
    for alternative in result.alternatives:
        where = f"alternative {alternative.label!r}"
        fixed, vehicles = 0.0, 0
        for line in alternative.fleet:
            group = index.by_line.get((line.pool, line.group))
            if group is None:
                messages.add("alternatives", f"{where}: unknown group {line.pool}/{line.group}")
                continue
            fixed += line.count * group.yearly_cost_dkk
            vehicles += line.count
            upper = group.max_count if group.candidate else group.current_count
            lower = 0 if group.candidate else group.locked_count
            if check_bounds and (line.count < lower or (upper is not None and line.count > upper)):
                messages.add(
                    "alternatives",
                    f"{where}: {line.pool}/{line.group} count {line.count} outside"
                    f" [{lower}, {upper}]",
                )
        totals = alternative.totals
        if not close(totals.fixed_dkk, fixed, ABS_TOL_DKK):
            messages.add(
                "alternatives", f"{where}: fixed_dkk {totals.fixed_dkk}, recomputed {fixed}"
            )
        if totals.vehicles != vehicles:
            messages.add("alternatives", f"{where}: vehicles {totals.vehicles}, counted {vehicles}")
        money = totals.fixed_dkk + totals.energy_dkk + totals.allowance_dkk
        if not close(totals.yearly_cost_dkk, money, ABS_TOL_DKK):
            messages.add(
                "alternatives",
                f"{where}: yearly_cost_dkk {totals.yearly_cost_dkk} != fixed + energy + allowance",
            )


# ---------------------------------------------------------------------------- vehicles
NEW_TYPE_WORDS = {
    VehicleType.EV: ("elbil",),
    VehicleType.BIKE: ("cykel",),
    VehicleType.EBIKE: ("elcykel",),
    VehicleType.FOSSIL: ("benzinbil", "dieselbil", "fossilbil"),
}
FOSSIL_WORD = {"petrol": "benzinbil", "diesel": "dieselbil"}


def new_vehicle_word(group: Group) -> str:
    if group.type == VehicleType.FOSSIL:
        return FOSSIL_WORD.get(group.fuel, "fossilbil")
    return NEW_TYPE_WORDS[group.type][0]


def allowance_of(name: str, group: Group, vehicles: dict[str, Any]) -> float | None:
    """A current vehicle's own allowance; a new vehicle's is its model's (or group's)."""
    if name in vehicles:
        return vehicles[name].yearly_km_allowance
    return group.km_allowance


def expected_keep_order(members: list[Any], settings: Settings, driven_km: dict[str, float]):
    """The spec's keep order: locked leases, latest lease end (owned = latest), fewest km a
    year over the allowance as driven today, vehicle_id."""

    def key(v: Any) -> tuple:
        locked = v.lease_end is not None and v.lease_end > settings.decision_date
        end = v.lease_end or date.max
        over = km_over(driven_km.get(v.vehicle_id, 0.0), v.yearly_km_allowance, settings)
        return (not locked, -end.toordinal(), round(over, 6), v.vehicle_id)

    return sorted(members, key=key)


def check_vehicle_names(
    problem: Any,
    result: Result,
    index: GroupIndex,
    vehicle_group: dict[str, tuple[tuple[str, str], Group]],
    settings: Settings,
    messages: Messages,
) -> None:
    """Plan values are real vehicle ids of kept vehicles or new vehicles' Danish labels; each
    current group keeps its vehicles in the spec's order and hands in the rest."""
    vehicles = {v.vehicle_id: v for v in problem.vehicles}
    driven: dict[str, float] = defaultdict(float)
    for trip in problem.trips:
        if trip.vehicle_id in vehicles and (
            settings.period_start <= local(trip.start).date() <= settings.period_end
        ):
            driven[trip.vehicle_id] += trip.distance_km
    kept_by: dict[str, tuple[str, str]] = {}
    new_by: dict[str, tuple[str, str]] = {}
    for line in result.fleet:
        key = (line.pool, line.group)
        group = index.by_line.get(key)
        if group is None:
            continue
        where = f"{line.pool}/{line.group}"
        kept = list(line.vehicle_ids)
        handed = [h["vehicle_id"] for h in line.handed_in]
        for vid in kept:
            kept_by[vid] = key
        for label in line.new_vehicles:
            new_by[label] = key
            pattern = f"Ny {new_vehicle_word(group)} "
            if not label.startswith(pattern) or not label.endswith(f", {line.pool}"):
                messages.add("names", f"{where}: new vehicle label {label!r} is not {pattern}...")
        if len(kept) + len(line.new_vehicles) != line.count:
            messages.add(
                "names",
                f"{where}: count {line.count}, but {len(kept)} kept and"
                f" {len(line.new_vehicles)} new vehicles",
            )
        if group.candidate:
            if kept or handed:
                messages.add("names", f"{where}: a candidate keeps or hands in current vehicles")
            continue
        if sorted(kept + handed) != sorted(group.vehicle_ids):
            messages.add("names", f"{where}: kept + handed in are not the group's vehicles")
            continue
        order = [
            v.vehicle_id
            for v in expected_keep_order([vehicles[x] for x in group.vehicle_ids], settings, driven)
        ]
        n_kept = min(line.count, len(order))
        if sorted(kept) != sorted(order[:n_kept]):
            messages.add(
                "names", f"{where}: keeps {sorted(kept)}, the keep order gives {order[:n_kept]}"
            )
        for entry in line.handed_in:
            v = vehicles[entry["vehicle_id"]]
            due = v.lease_end if v.lease_end and v.lease_end > settings.decision_date else None
            want = (due or settings.decision_date).isoformat()
            if entry.get("from") != want:
                messages.add(
                    "names",
                    f"{where}: {v.vehicle_id} handed in from {entry.get('from')}, not {want}",
                )
    for name in {v for v in result.plan.values() if v is not None}:
        key = vehicle_group.get(name, (None,))[0]
        if name in vehicles:
            if kept_by.get(name) != key:
                messages.add("names", f"plan uses {name!r}, which its fleet line does not keep")
        elif new_by.get(name) != key:
            messages.add("names", f"plan uses {name!r}: no current vehicle, no new vehicle label")
    labels = [line.new_vehicles for line in result.fleet]
    flat = [x for group in labels for x in group]
    if len(flat) != len(set(flat)):
        messages.add("names", "a new vehicle label is used twice")


def check_km_allowances(
    served: dict[str, list[Trip]],
    result: Result,
    vehicle_group: dict[str, tuple[tuple[str, str], Group]],
    vehicles: dict[str, Any],
    settings: Settings,
    messages: Messages,
) -> None:
    """Each vehicle's km a year within its allowance (hard rule), and the reported figures."""
    listed = {u.vehicle: u for u in result.vehicles}
    for name, usage in listed.items():
        if name not in vehicle_group:
            continue
        allowance = allowance_of(name, vehicle_group[name][1], vehicles)
        km = sum(t.distance_km for t in served.get(name, []))
        over = km_over(km, allowance, settings)
        if usage.yearly_km_allowance != allowance:
            messages.add(
                "allowance",
                f"{name} reports allowance {usage.yearly_km_allowance}, not {allowance}",
            )
        if not close(usage.km_over_allowance, over, ABS_TOL_SMALL * 1000):
            messages.add(
                "allowance", f"{name} km_over_allowance {usage.km_over_allowance}, not {over}"
            )
        if settings.overage_per_km is None and over > ABS_TOL_SMALL * 1000:
            messages.add(
                "allowance",
                f"{name} drives {km * settings.scale:.1f} km a year, allowance {allowance:g}",
            )
