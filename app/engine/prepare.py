"""Turn the input dataclasses into plain arrays, once, before any model is built.

Everything the model and the plan need lives in numpy arrays indexed by trip, block or group:
no per-trip Python objects in the hot path. A *block* is the unit the optimiser assigns to a
vehicle group: one trip, or with shifts all trips one crew drove in one shift. A block
occupies its vehicle on the half-open interval [start, end) where `end` already includes the
changeover, so two blocks fit on one vehicle exactly when their intervals do not intersect.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import numpy as np

from app.engine.errors import EngineError
from app.engine.parameters import Parameters
from app.engine.types import CandidateModel, Fuel, Problem, Trip, Vehicle, VehicleType

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MINUTES_PER_DAY = 1440
_EPS_KM = 1e-9


def local_minutes(moment: datetime) -> int:
    """Wall-clock minutes since 1970-01-01 00:00 in Copenhagen (naive input is local)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return int((moment - _NAIVE_EPOCH).total_seconds() // 60)


def epoch_seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return int(moment.timestamp())


_ONE_SECOND = timedelta(seconds=1)


def _hourly_offsets(hours: np.ndarray, local: bool) -> np.ndarray:
    """Copenhagen's UTC offset in seconds for each distinct hour (UTC hours, or local
    wall-clock hours read the way `epoch_seconds` reads a naive time)."""
    unique, inverse = np.unique(hours, return_inverse=True)
    offsets = np.empty(len(unique), dtype=np.int64)
    for i, hour in enumerate(unique.tolist()):
        if local:
            offset = LOCAL_TZ.utcoffset(_NAIVE_EPOCH + timedelta(hours=hour))
        else:
            offset = datetime.fromtimestamp(hour * 3600, LOCAL_TZ).utcoffset()
        offsets[i] = offset // _ONE_SECOND
    return offsets[inverse]


# Years in which the per-hour lookup agrees with converting each moment: Copenhagen's
# offset has changed only on whole hours since 1894, timestamps are positive (floor equals
# the old truncation) and floats still hold microseconds exactly. Other years convert one
# moment at a time (tests/engine/test_time_figures.py).
_HOURLY_YEARS = range(1971, 2200)


def time_figures(moments: list[datetime]) -> tuple[np.ndarray, np.ndarray]:
    """`epoch_seconds` and `local_minutes` of every moment, as two arrays.

    Copenhagen's offset changes only on whole hours, so it is looked up once per distinct
    hour instead of twice per moment (a year of trips has 9,000 hours and 100,000 moments).
    A time already in Copenhagen's zone keeps its own wall clock, as `local_minutes` does.
    """
    n = len(moments)
    epoch = np.empty(n, dtype=np.int64)
    local = np.empty(n, dtype=np.int64)
    # 0: naive (local wall clock), 1: in Copenhagen's zone, 2: any other zone, 3: one by one
    # (a naive time in the second run of the doubled autumn hour, or out of _HOURLY_YEARS)
    kind = np.fromiter(
        (
            3
            if m.year not in _HOURLY_YEARS or (m.fold and m.tzinfo is None)
            else 0
            if m.tzinfo is None
            else 1
            if m.tzinfo is LOCAL_TZ
            else 2
            for m in moments
        ),
        dtype=np.int8,
        count=n,
    )
    at = np.nonzero((kind == 1) | (kind == 2))[0]
    if len(at):
        seconds = np.fromiter((moments[i].timestamp() for i in at.tolist()), np.float64, len(at))
        whole = np.floor(seconds).astype(np.int64)
        epoch[at] = whole
        local[at] = (whole + _hourly_offsets(whole // 3600, local=False)) // 60
    at = np.nonzero(kind < 2)[0]
    if len(at):
        wall = np.fromiter(
            ((moments[i].replace(tzinfo=None) - _NAIVE_EPOCH) // _ONE_SECOND for i in at.tolist()),
            np.int64,
            len(at),
        )
        local[at] = wall // 60
        is_naive = kind[at] == 0
        naive_wall = wall[is_naive]
        epoch[at[is_naive]] = naive_wall - _hourly_offsets(naive_wall // 3600, local=True)
    for i in np.nonzero(kind == 3)[0].tolist():
        epoch[i] = epoch_seconds(moments[i])
        local[i] = local_minutes(moments[i])
    return epoch, local


def local_minute_to_epoch(minute: int) -> int:
    """Inverse of `local_minutes` (first occurrence on the autumn DST change)."""
    naive = _NAIVE_EPOCH + timedelta(minutes=int(minute))
    return int(naive.replace(tzinfo=LOCAL_TZ).timestamp())


def pool_id(locations: tuple[str, ...] | list[str]) -> str:
    return "+".join(sorted(locations))


# --------------------------------------------------------------------------- groups
@dataclass(slots=True)
class Group:
    """One vehicle group in one pool: identical current vehicles, or one candidate model."""

    gid: str
    label: str
    type: VehicleType
    fuel: Fuel
    fixed_dkk: float
    unit_per_km: float  # litres or kWh per km (0 for bikes)
    derated_range_km: float | None  # EVs
    wh_per_km: float | None
    current: int
    locked: int
    max_count: int | None  # candidates; current groups are capped by `current`
    candidate: bool
    location: str | None = None
    # current groups: the members in keep order (see `keep_order`), and for each the date
    # it is handed in from should the count not keep it
    vehicle_ids: list[str] = field(default_factory=list)
    hand_in_from: list[str] = field(default_factory=list)
    km_allowance: float | None = None  # yearly km per vehicle; None = no limit
    model_text: str = ""  # make and model (or the model id) for new vehicles' labels

    @property
    def upper(self) -> int | None:
        return self.max_count if self.candidate else self.current

    def energy_key(self) -> tuple:
        """What makes two groups interchangeable for the model and the plan."""
        return (
            self.type.value,
            self.fuel.value,
            round(self.fixed_dkk, 6),
            round(self.unit_per_km, 12),
            None if self.derated_range_km is None else round(self.derated_range_km, 9),
            None if self.wh_per_km is None else round(self.wh_per_km, 9),
            None if self.km_allowance is None else round(self.km_allowance, 6),
        )


def unit_per_km(fuel: Fuel, km_per_litre: float | None, wh_per_km: float | None) -> float:
    """Litres (petrol, diesel, HVO) or kWh (electricity) per km; 0 for fuel 'none'."""
    if fuel in (Fuel.PETROL, Fuel.DIESEL, Fuel.HVO):
        return 1.0 / km_per_litre if km_per_litre else 0.0
    if fuel == Fuel.ELECTRICITY:
        return (wh_per_km or 0.0) / 1000.0
    return 0.0


def check_vehicle_figures(kind: str, name: str, v: Vehicle | CandidateModel) -> None:
    """The figures each type needs; an EV without a range must not skip the range check."""
    where = f"{kind} {name!r}"
    if v.yearly_cost_dkk is None or v.yearly_cost_dkk < 0:
        raise EngineError(f"{where}: yearly_cost_dkk mangler eller er negativ")
    if v.type == VehicleType.EV:
        if not v.range_km or v.range_km <= 0:
            raise EngineError(f"{where}: en elbil skal have range_km > 0")
        if not v.wh_per_km or v.wh_per_km <= 0:
            raise EngineError(f"{where}: en elbil skal have wh_per_km > 0")
        if v.fuel != Fuel.ELECTRICITY:
            raise EngineError(f"{where}: en elbil skal have fuel 'electricity'")
    if v.type == VehicleType.FOSSIL:
        if v.fuel not in (Fuel.PETROL, Fuel.DIESEL, Fuel.HVO):
            raise EngineError(f"{where}: en fossilbil skal have fuel petrol, diesel eller hvo")
        if not v.km_per_litre or v.km_per_litre <= 0:
            raise EngineError(f"{where}: km_per_litre skal være over 0")
    if v.type == VehicleType.EBIKE and v.fuel not in (Fuel.ELECTRICITY, Fuel.NONE):
        raise EngineError(f"{where}: en elcykel har fuel 'electricity' eller 'none'")
    if v.type == VehicleType.BIKE and v.fuel != Fuel.NONE:
        raise EngineError(f"{where}: en cykel har fuel 'none'")


def _describe(make: str, model: str, type_: VehicleType) -> str:
    text = f"{make} {model}".strip()
    return text or type_.value


def _group_sort_key(key: tuple) -> tuple:
    """Group order (and so the "(2)" in repeated ids) must not depend on whether a figure
    arrived as 20 or 20.0 (synthetic data versus the CSV readers)."""
    return tuple(
        "" if x is None else str(float(x)) if isinstance(x, int | float) else str(x) for x in key
    )


def keep_order(
    members: list[Vehicle], decision: date, today_km_per_year: dict[str, float]
) -> list[Vehicle]:
    """Which vehicles of a group are kept first when its count is below today's: locked
    leases (ending after the decision date), then the latest lease end (an owned vehicle,
    without a lease end, counts as latest), then the fewest km a year over its allowance in
    today's driving (a vehicle already running over is handed in first), then vehicle_id."""

    def key(v: Vehicle) -> tuple:
        locked = v.lease_end is not None and v.lease_end > decision
        end = (v.lease_end or date.max).toordinal()
        over = 0.0
        if v.yearly_km_allowance is not None:
            over = max(0.0, today_km_per_year.get(v.vehicle_id, 0.0) - v.yearly_km_allowance)
        return (0 if locked else 1, -end, round(over, 6), v.vehicle_id)

    return sorted(members, key=key)


def hand_in_date(vehicle: Vehicle, decision: date) -> date:
    """A vehicle not kept goes at its lease end, or at the decision date when the lease
    has already ended (or the vehicle is owned)."""
    if vehicle.lease_end is not None and vehicle.lease_end > decision:
        return vehicle.lease_end
    return decision


def current_groups(
    vehicles: list[Vehicle],
    params: Parameters,
    decision: date,
    today_km_per_year: dict[str, float] | None = None,
) -> list[Group]:
    """Identical vehicles at one location (same figures and the same yearly km allowance)
    form a group; ids are readable and stable."""
    today_km_per_year = today_km_per_year or {}
    by_key: dict[tuple, list[Vehicle]] = {}
    for v in vehicles:
        check_vehicle_figures("vehicle", v.vehicle_id, v)
        key = (
            v.location,
            v.type.value,
            v.fuel.value,
            v.km_per_litre,
            v.wh_per_km,
            v.range_km,
            float(v.yearly_cost_dkk),
            v.make,
            v.model,
            None if v.yearly_km_allowance is None else float(v.yearly_km_allowance),
        )
        if v.yearly_km_allowance is not None and v.yearly_km_allowance <= 0:
            raise EngineError(
                f"vehicle {v.vehicle_id!r}: yearly_km_allowance skal være over 0 eller tom"
            )
        by_key.setdefault(key, []).append(v)
    groups: list[Group] = []
    used_ids: dict[str, int] = {}
    derate = 1.0 - params.ev.winter_derating_pct / 100.0
    for key in sorted(by_key, key=_group_sort_key):
        members = sorted(by_key[key], key=lambda v: v.vehicle_id)
        v0 = members[0]
        base = (
            f"{v0.location}/{_describe(v0.make, v0.model, v0.type)} {v0.fuel.value} "
            f"{v0.yearly_cost_dkk:.0f}"
        )
        n = used_ids.get(base, 0) + 1
        used_ids[base] = n
        gid = base if n == 1 else f"{base} ({n})"
        locked = [v for v in members if v.lease_end is not None and v.lease_end > decision]
        kept_first = keep_order(members, decision, today_km_per_year)
        groups.append(
            Group(
                gid=gid,
                label=f"{_describe(v0.make, v0.model, v0.type)} ({v0.location})",
                type=v0.type,
                fuel=v0.fuel,
                fixed_dkk=float(v0.yearly_cost_dkk),
                unit_per_km=unit_per_km(v0.fuel, v0.km_per_litre, v0.wh_per_km),
                derated_range_km=(v0.range_km * derate if v0.type == VehicleType.EV else None),
                wh_per_km=v0.wh_per_km,
                current=len(members),
                locked=len(locked),
                max_count=None,
                candidate=False,
                location=v0.location,
                vehicle_ids=[v.vehicle_id for v in kept_first],
                hand_in_from=[hand_in_date(v, decision).isoformat() for v in kept_first],
                km_allowance=v0.yearly_km_allowance,
                model_text=f"{v0.make} {v0.model}".strip(),
            )
        )
    return groups


def candidate_groups(candidates: list[CandidateModel], params: Parameters) -> list[Group]:
    derate = 1.0 - params.ev.winter_derating_pct / 100.0
    seen: set[str] = set()
    groups = []
    for c in sorted(candidates, key=lambda c: c.model_id):
        if c.model_id in seen:
            raise EngineError(f"candidate {c.model_id!r}: model_id findes to gange")
        seen.add(c.model_id)
        check_vehicle_figures("candidate", c.model_id, c)
        if c.max_count is not None and c.max_count < 0:
            raise EngineError(f"candidate {c.model_id!r}: max_count må ikke være negativ")
        if c.yearly_km_allowance is not None and c.yearly_km_allowance <= 0:
            raise EngineError(
                f"candidate {c.model_id!r}: yearly_km_allowance skal være over 0 eller tom"
            )
        groups.append(
            Group(
                gid=c.model_id,
                label=_describe(c.make, c.model, c.type),
                type=c.type,
                fuel=c.fuel,
                fixed_dkk=float(c.yearly_cost_dkk),
                unit_per_km=unit_per_km(c.fuel, c.km_per_litre, c.wh_per_km),
                derated_range_km=(c.range_km * derate if c.type == VehicleType.EV else None),
                wh_per_km=c.wh_per_km,
                current=0,
                locked=0,
                max_count=c.max_count,
                candidate=True,
                km_allowance=c.yearly_km_allowance,
                model_text=f"{c.make} {c.model}".strip() or c.model_id,
            )
        )
    return groups


# --------------------------------------------------------------------------- trips
@dataclass(slots=True)
class TripArrays:
    """All trips of the period, sorted by (start, trip_id); index = position here."""

    ids: list[str]
    start: np.ndarray  # epoch seconds
    end: np.ndarray
    km: np.ndarray
    local_start: np.ndarray  # wall-clock minutes (see local_minutes)
    local_end: np.ndarray
    location: np.ndarray  # index into `locations`
    vehicle: np.ndarray  # index into the problem's vehicles, -1 if unknown
    locations: list[str]
    dropped_outside_period: int = 0
    # code (TYPE_CODES) of the type of the vehicle that drove each trip today, -1 unknown
    today_type: np.ndarray | None = None
    draws: np.ndarray | None = None  # bike_draw of each trip id, computed when first needed

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(slots=True)
class TripTimes:
    """The trip figures the EV battery check needs (indexed like TripArrays)."""

    start: np.ndarray
    end: np.ndarray
    km: np.ndarray


TYPE_CODES = {VehicleType.BIKE: 0, VehicleType.EBIKE: 1, VehicleType.EV: 2, VehicleType.FOSSIL: 3}
_BIKES = (TYPE_CODES[VehicleType.BIKE], TYPE_CODES[VehicleType.EBIKE])


def trip_arrays(
    trips: list[Trip], vehicles: list[Vehicle], start: date, end: date, locations: list[str]
) -> TripArrays:
    vehicle_index = {v.vehicle_id: i for i, v in enumerate(vehicles)}
    location_index = {loc: i for i, loc in enumerate(locations)}
    first_minute = (start - _NAIVE_EPOCH.date()).days * _MINUTES_PER_DAY
    last_minute = ((end - _NAIVE_EPOCH.date()).days + 1) * _MINUTES_PER_DAY
    start_epoch, start_local = time_figures([t.start for t in trips])
    in_period = (start_local >= first_minute) & (start_local < last_minute)
    kept_at = np.nonzero(in_period)[0]
    starts = start_epoch.tolist()
    order = np.array(
        sorted(kept_at.tolist(), key=lambda i: (starts[i], trips[i].trip_id)), dtype=np.int64
    )
    kept = [trips[i] for i in order.tolist()]
    end_epoch, end_local = time_figures([t.end for t in kept])
    vehicle = np.fromiter(
        (vehicle_index.get(t.vehicle_id, -1) if t.vehicle_id else -1 for t in kept),
        np.int32,
        len(kept),
    )
    type_of_vehicle = np.array([TYPE_CODES[v.type] for v in vehicles] + [-1], dtype=np.int8)
    return TripArrays(
        ids=[t.trip_id for t in kept],
        start=start_epoch[order],
        end=end_epoch,
        km=np.fromiter((t.distance_km for t in kept), np.float64, len(kept)),
        local_start=start_local[order],
        local_end=end_local,
        location=np.fromiter((location_index[t.location] for t in kept), np.int32, len(kept)),
        vehicle=vehicle,
        locations=locations,
        dropped_outside_period=len(trips) - len(kept),
        today_type=type_of_vehicle[vehicle],  # index -1 is the "unknown" entry
    )


def check_trips(trips: list[Trip]) -> None:
    seen: set[str] = set()
    for t in trips:
        if t.trip_id in seen:
            raise EngineError(f"trip {t.trip_id!r}: trip_id findes to gange")
        seen.add(t.trip_id)
        if t.end < t.start:
            raise EngineError(f"trip {t.trip_id!r}: slut ligger før start")
        if t.distance_km is None or t.distance_km < 0 or t.distance_km != t.distance_km:
            raise EngineError(f"trip {t.trip_id!r}: distance_km skal være et tal >= 0")


# --------------------------------------------------------------------------- eligibility
def in_one_window(
    local_start: np.ndarray, local_end: np.ndarray, windows: tuple[tuple[int, int], ...]
) -> np.ndarray:
    """True where [start, end] lies inside one occurrence of an allowed window (inclusive)."""
    day = local_start // _MINUTES_PER_DAY
    ok = np.zeros(len(local_start), dtype=bool)
    for open_, close in windows:
        length = close - open_ if close > open_ else close + _MINUTES_PER_DAY - open_
        for shift_days in (0, -1):  # a window that wraps midnight may have opened yesterday
            opens = (day + shift_days) * _MINUTES_PER_DAY + open_
            ok |= (local_start >= opens) & (local_end <= opens + length)
    return ok


def bike_draw(trip_id: str) -> int:
    """A trip's fixed draw in [0, 2**64): the first 8 bytes of BLAKE2b of its UTF-8 id, read
    big-endian. Never Python's hash(), which changes from process to process."""
    return int.from_bytes(hashlib.blake2b(trip_id.encode("utf-8"), digest_size=8).digest(), "big")


def bike_acceptable(trips: TripArrays, params: Parameters) -> np.ndarray:
    """Trips staff will in practice ride if a bike or e-bike could do them: those ridden
    today, and those whose draw / 2**64 is below `allocation.bike_share_pct` / 100 (exact
    arithmetic). A trip's answer depends on its own id only, not on order or other trips."""
    share = params.allocation.bike_share_pct
    rode_today = np.isin(trips.today_type, _BIKES)
    if share >= 100:
        return np.ones(len(trips), dtype=bool)
    if share <= 0:
        return rode_today
    if trips.draws is None:
        trips.draws = np.fromiter((bike_draw(t) for t in trips.ids), np.uint64, len(trips))
    # draw / 2**64 < share / 100  <=>  draw < share * 2**64 / 100  <=>  draw < ceil(that)
    threshold = -(-(Fraction(share) * 2**64) // 100)
    return rode_today | (trips.draws < np.uint64(threshold))


def keep_type_allowed(trips: TripArrays, group: Group, params: Parameters) -> np.ndarray:
    """At `allocation.keep_type_locations` (the trip's home location), only a vehicle of the
    type that drove the trip today may drive it; trips of an unknown vehicle are free."""
    names = [x for x in params.allocation.keep_type_locations if x in trips.locations]
    if not names:
        return np.ones(len(trips), dtype=bool)
    at = np.isin(trips.location, [trips.locations.index(x) for x in names])
    other_type = (trips.today_type >= 0) & (trips.today_type != TYPE_CODES[group.type])
    return ~(at & other_type)


def trip_eligibility(trips: TripArrays, group: Group, params: Parameters) -> np.ndarray:
    """Which trips a vehicle of `group` may drive, trip by trip (limits inclusive): what the
    vehicle can do, for bikes only trips staff will ride, and the keep-type rule."""
    ok = vehicle_limits(trips, group, params)
    if group.type in (VehicleType.BIKE, VehicleType.EBIKE):
        ok &= bike_acceptable(trips, params)
    return ok & keep_type_allowed(trips, group, params)


def vehicle_limits(trips: TripArrays, group: Group, params: Parameters) -> np.ndarray:
    """What a vehicle of `group` can physically do: EV range; bike km, speed and windows."""
    n = len(trips)
    if group.type == VehicleType.FOSSIL:
        return np.ones(n, dtype=bool)
    if group.type == VehicleType.EV:
        return trips.km <= group.derated_range_km + _EPS_KM
    bike = params.bike if group.type == VehicleType.BIKE else params.ebike
    duration_min = (trips.end - trips.start) / 60.0
    ride_min = trips.km / bike.speed_kmh * 60.0
    return (
        (trips.km <= bike.max_km + _EPS_KM)
        & (ride_min <= duration_min + 1e-9)
        & in_one_window(trips.local_start, trips.local_end, bike.windows)
    )


# --------------------------------------------------------------------------- blocks
@dataclass(slots=True)
class Blocks:
    """Units of assignment in one pool. `trip_order[ptr[b]:ptr[b+1]]` are block b's trips."""

    start: np.ndarray  # epoch seconds
    end: np.ndarray  # epoch seconds, changeover included (half-open)
    km: np.ndarray
    trips: np.ndarray  # number of trips
    max_trip_km: np.ndarray
    day: np.ndarray  # local day number of the block start (for day chunks)
    ptr: np.ndarray
    trip_order: np.ndarray  # trip indices, by start within each block

    def __len__(self) -> int:
        return len(self.start)


def make_blocks(trips: TripArrays, trip_idx: np.ndarray, params: Parameters) -> Blocks:
    """Single trips, or with shifts one block per (vehicle, shift occurrence)."""
    changeover_s = round(params.changeover_minutes * 60)
    local_start = trips.local_start[trip_idx]
    # key: shift-occurrence start minute, or -1 for a block of its own
    shift_open = np.full(len(trip_idx), -1, dtype=np.int64)
    shift_length = np.zeros(len(trip_idx), dtype=np.int64)
    for loc_name, windows in params.shifts.items():
        if loc_name not in trips.locations:
            continue
        at_loc = (trips.location[trip_idx] == trips.locations.index(loc_name)) & (
            trips.vehicle[trip_idx] >= 0
        )
        if not at_loc.any():
            continue
        day = local_start // _MINUTES_PER_DAY
        for open_, close in windows:
            length = close - open_ if close > open_ else close + _MINUTES_PER_DAY - open_
            for shift_days in (0, -1):
                opens = (day + shift_days) * _MINUTES_PER_DAY + open_
                inside = at_loc & (shift_open < 0) & (local_start >= opens)
                inside &= local_start < opens + length
                shift_open[inside] = opens[inside]
                shift_length[inside] = length
    in_shift = shift_open >= 0
    # block key (vehicle, shift occurrence); trips outside shifts get a unique key
    key_vehicle = np.where(in_shift, trips.vehicle[trip_idx].astype(np.int64), -1)
    key_time = np.where(in_shift, shift_open, -(np.arange(len(trip_idx), dtype=np.int64) + 1))
    keys = np.stack([key_vehicle, key_time], axis=1)
    (
        _,
        block_of,
    ) = np.unique(keys, axis=0, return_inverse=True)[:2]
    block_of = block_of.ravel()
    n_blocks = int(block_of.max()) + 1 if len(block_of) else 0
    order = np.lexsort((trips.start[trip_idx], block_of))
    trip_order = trip_idx[order]
    sorted_blocks = block_of[order]
    ptr = np.searchsorted(sorted_blocks, np.arange(n_blocks + 1))
    first = ptr[:-1]
    t_start = trips.start[trip_order]
    t_end = trips.end[trip_order] + changeover_s
    block_start = t_start[first].copy() if n_blocks else np.zeros(0, np.int64)
    block_end = np.maximum.reduceat(t_end, first) if n_blocks else np.zeros(0, np.int64)
    # a trip of zero length still needs its vehicle for an instant
    block_end = np.maximum(block_end, block_start + 1)
    km = np.add.reduceat(trips.km[trip_order], first) if n_blocks else np.zeros(0)
    max_km = np.maximum.reduceat(trips.km[trip_order], first) if n_blocks else np.zeros(0)
    count = np.diff(ptr)
    day = trips.local_start[trip_order][first] // _MINUTES_PER_DAY if n_blocks else first
    # a shift block holds its vehicle for the whole shift: the crew keeps the car
    shifted = in_shift[order][first] if n_blocks else np.zeros(0, dtype=bool)
    if shifted.any():
        opens = shift_open[order][first][shifted]
        lengths = shift_length[order][first][shifted]
        unique_opens, inverse = np.unique(opens, return_inverse=True)
        open_s = np.array([local_minute_to_epoch(m) for m in unique_opens], np.int64)[inverse]
        block_start[shifted] = np.minimum(block_start[shifted], open_s)
        block_end[shifted] = np.maximum(block_end[shifted], open_s + lengths * 60)
        day = np.asarray(day).copy()
        day[shifted] = opens // _MINUTES_PER_DAY
    # stable order of blocks: by start, then first trip
    by_start = np.lexsort((first, block_start))
    sizes = count[by_start]
    new_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    # gather each block's trip slice in the new block order, without a Python loop
    source = np.repeat(ptr[:-1][by_start] - new_ptr[:-1], sizes) + np.arange(int(sizes.sum()))
    new_order = trip_order[source]
    return Blocks(
        start=block_start[by_start],
        end=block_end[by_start],
        km=km[by_start],
        trips=count[by_start],
        max_trip_km=max_km[by_start],
        day=np.asarray(day)[by_start],
        ptr=new_ptr,
        trip_order=new_order.astype(np.int64),
    )


# --------------------------------------------------------------------------- overlap
def maximal_overlap_points(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Times t (block starts) where the set of blocks with start <= t < end is maximal.

    A start is such a point when some block ends after it and no later start comes
    before that end: then the next event is an end and the active set only shrinks.
    """
    if len(start) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.unique(start)
    ends = np.sort(end)
    next_start = np.append(starts[1:], np.iinfo(np.int64).max)
    ends_between = np.searchsorted(ends, next_start, "right") - np.searchsorted(
        ends, starts, "right"
    )
    return starts[ends_between > 0]


def clique_membership(
    start: np.ndarray, end: np.ndarray, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each block, the half-open range [lo, hi) of `points` it is active at."""
    lo = np.searchsorted(points, start, "left")
    hi = np.searchsorted(points, end, "left")
    return lo, hi


def max_overlap(start: np.ndarray, end: np.ndarray) -> int:
    """The largest number of half-open intervals active at one moment."""
    if len(start) == 0:
        return 0
    times = np.concatenate([start, end])
    delta = np.concatenate([np.ones(len(start), np.int64), -np.ones(len(end), np.int64)])
    order = np.lexsort((delta, times))  # at equal times ends (-1) come first
    return int(np.cumsum(delta[order]).max())


def overlap_profile(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(times, active count just after each time), ends before starts at equal times."""
    times = np.concatenate([start, end])
    delta = np.concatenate([np.ones(len(start), np.int64), -np.ones(len(end), np.int64)])
    order = np.lexsort((delta, times))
    return times[order], np.cumsum(delta[order])


# --------------------------------------------------------------------------- pools
@dataclass(slots=True)
class PoolData:
    pool: str
    locations: tuple[str, ...]
    groups: list[Group]
    blocks: Blocks
    eligible: np.ndarray  # (blocks, groups) bool
    must_serve: np.ndarray  # (blocks,) bool
    # the group of the vehicle that drove each block today (-1: unknown or another pool)
    today_group: np.ndarray | None = None


@dataclass(slots=True)
class Prepared:
    params: Parameters  # with period and decision date filled in
    trips: TripArrays
    vehicles: list[Vehicle]
    pools: list[PoolData]
    scale: float  # 365 / period days
    period_days: int
    warnings: list[str]


def resolve_period(problem: Problem, params: Parameters) -> tuple[date, date]:
    start, end = params.period_start, params.period_end
    if start is None or end is None:
        if not problem.trips:
            raise EngineError("trips: der er ingen ture og ingen periode i parameters")
        days = [
            (_NAIVE_EPOCH + timedelta(minutes=local_minutes(t.start))).date() for t in problem.trips
        ]
        start = start or min(days)
        end = end or max(days)
    if end < start:
        raise EngineError("parameters: period: slutdatoen ligger før startdatoen")
    return start, end


def block_eligibility(
    trips: TripArrays, blocks: Blocks, group: Group, params: Parameters
) -> np.ndarray:
    per_trip = trip_eligibility(trips, group, params)[blocks.trip_order]
    if len(blocks) == 0:
        return np.zeros(0, dtype=bool)
    ok = np.logical_and.reduceat(per_trip, blocks.ptr[:-1])
    if group.type == VehicleType.EV:
        # a multi-trip block must be drivable on one charge plus what its stops recharge
        from app.engine.plan import ev_block_fits

        for b in np.nonzero(ok & (blocks.trips > 1))[0]:
            members = blocks.trip_order[blocks.ptr[b] : blocks.ptr[b + 1]]
            ok[b] = ev_block_fits(trips, members, group, params)
    return ok


def prepare(problem: Problem) -> Prepared:
    params = problem.parameters or Parameters()
    check_trips(problem.trips)
    vehicle_ids = [v.vehicle_id for v in problem.vehicles]
    if len(set(vehicle_ids)) != len(vehicle_ids):
        dup = sorted({x for x in vehicle_ids if vehicle_ids.count(x) > 1})[0]
        raise EngineError(f"vehicle {dup!r}: vehicle_id findes to gange")
    start, end = resolve_period(problem, params)
    from dataclasses import replace

    params = replace(
        params,
        period_start=start,
        period_end=end,
        decision_date=params.decision_date or end,
    )
    period_days = (end - start).days + 1
    locations = sorted({t.location for t in problem.trips} | {v.location for v in problem.vehicles})
    trips = trip_arrays(problem.trips, problem.vehicles, start, end, locations)
    warnings = []
    if trips.dropped_outside_period:
        warnings.append(
            f"{trips.dropped_outside_period} ture ligger uden for perioden og er ikke medregnet"
        )
    unknown = int((trips.vehicle < 0).sum())
    if unknown:
        warnings.append(
            f"{unknown} ture har et ukendt køretøj; i dag-billedet regnes de som kørt i egen bil"
        )
    known = set(locations) | {loc for pool in params.pools for loc in pool}
    for name in params.allocation.keep_type_locations:
        if name not in known:
            raise EngineError(
                f"parameters: allocation.keep_type_locations: ukendt lokation {name!r}"
                f" (kendte: {', '.join(sorted(known))})"
            )
    pools_of: dict[str, tuple[str, ...]] = {}
    for pool in params.pools:
        for loc in pool:
            pools_of[loc] = pool
    for loc in locations:
        pools_of.setdefault(loc, (loc,))
    driven = np.zeros(len(problem.vehicles) + 1)
    np.add.at(driven, trips.vehicle, trips.km)  # index -1: trips of no known vehicle
    today_km = {
        v.vehicle_id: float(driven[i]) * 365.0 / period_days for i, v in enumerate(problem.vehicles)
    }
    all_current = current_groups(problem.vehicles, params, params.decision_date, today_km)
    candidates = candidate_groups(problem.candidates, params)
    pools = []
    for locs in sorted(set(pools_of.values())):
        loc_idx = [locations.index(x) for x in locs if x in locations]
        trip_idx = np.nonzero(np.isin(trips.location, loc_idx))[0]
        blocks = make_blocks(trips, trip_idx, params)
        groups = [g for g in all_current if g.location in locs] + [
            Group(**{k: getattr(c, k) for k in Group.__slots__}) for c in candidates
        ]
        eligible = (
            np.stack([block_eligibility(trips, blocks, g, params) for g in groups], axis=1)
            if groups
            else np.zeros((len(blocks), 0), dtype=bool)
        )
        must = params.unserved.must_serve_above_km
        must_serve = (
            blocks.max_trip_km > must + _EPS_KM
            if must is not None
            else np.zeros(len(blocks), dtype=bool)
        )
        group_of = {vid: gi for gi, g in enumerate(groups) for vid in g.vehicle_ids}
        driver = trips.vehicle[blocks.trip_order[blocks.ptr[:-1]]]
        today_group = np.array(
            [
                group_of.get(problem.vehicles[v].vehicle_id, -1) if v >= 0 else -1
                for v in driver.tolist()
            ],
            dtype=np.int64,
        )
        pools.append(
            PoolData(pool_id(locs), tuple(locs), groups, blocks, eligible, must_serve, today_group)
        )
    return Prepared(
        params, trips, problem.vehicles, pools, 365.0 / period_days, period_days, warnings
    )
