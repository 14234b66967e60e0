"""From counts and block-to-group assignments to concrete vehicles, with the EV energy check.

First-fit over start times: blocks are taken in start order and each goes to the lowest
numbered vehicle of its group that is free (its last block's end, changeover included, is at
or before the start). Interval graphs are perfect, so when the count is at least the largest
overlap a free vehicle always exists. For EVs the vehicle must also have the charge: the
battery (in km of derated range) is drawn down by each trip and refilled at the charger's
power during any stop at home of at least the minimum charging time.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass, field

import numpy as np

from app.engine.parameters import Parameters
from app.engine.prepare import Blocks, Group, TripArrays
from app.engine.types import VehicleType

_KM_TOLERANCE = 1e-6


@dataclass(slots=True)
class EvRule:
    capacity_km: float
    km_per_second: float  # charging speed in km of range per second at the charger
    min_stop_s: float

    @classmethod
    def of(cls, group: Group, params: Parameters) -> EvRule | None:
        if group.type != VehicleType.EV:
            return None
        return cls(
            capacity_km=float(group.derated_range_km),
            km_per_second=params.ev.charger_kw * 1000.0 / float(group.wh_per_km) / 3600.0,
            min_stop_s=params.ev.min_charging_minutes * 60.0,
        )


def ev_drive(
    trips: TripArrays,
    members: np.ndarray,
    rule: EvRule,
    battery_km: float,
    last_end: int | None,
) -> tuple[float, int | None] | None:
    """Battery and last end after driving `members` in order, or None if it runs out."""
    for t in members:
        start = int(trips.start[t])
        if last_end is not None:
            stop = start - last_end
            if stop >= rule.min_stop_s:
                battery_km = min(rule.capacity_km, battery_km + stop * rule.km_per_second)
        battery_km -= float(trips.km[t])
        if battery_km < -_KM_TOLERANCE:
            return None
        last_end = int(trips.end[t])
    return battery_km, last_end


def ev_block_fits(trips: TripArrays, members: np.ndarray, group: Group, params: Parameters) -> bool:
    """A block on a fully charged EV (used to judge eligibility of multi-trip blocks)."""
    rule = EvRule.of(group, params)
    return rule is None or ev_drive(trips, members, rule, rule.capacity_km, None) is not None


@dataclass(slots=True)
class VehicleSlot:
    """One concrete vehicle of a solve class while the plan is built."""

    name: str
    group: int  # index into the pool's groups
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)
    battery_km: float = 0.0
    last_trip_end: int | None = None
    km: float = 0.0  # period km of its blocks so far
    # the yearly km allowance in period km: `km_target` steers the balancing (inf: none),
    # `km_cap` is the hard limit (inf also when km over the allowance is priced)
    km_target: float = float("inf")
    km_cap: float = float("inf")

    def km_room(self, km: float) -> bool:
        return self.km + km <= self.km_cap + _KM_TOLERANCE * max(1.0, self.km_cap)


def first_fit(
    blocks: Blocks,
    trips: TripArrays,
    order: np.ndarray,
    slots: list[VehicleSlot],
    rule: EvRule | None,
    km_left: list[int] | None = None,
) -> list[int]:
    """Place `order` (block indices by start) on `slots`; returns the blocks that did not fit
    (those that only lacked km room under a hard allowance also go to `km_left`).

    Vehicles with a km allowance are balanced: each block goes to the free vehicle with the
    fewest km so far (that has the km room and, for EVs, the charge); others take the
    lowest numbered free vehicle."""
    if rule is not None:
        for slot in slots:
            slot.battery_km = rule.capacity_km
    balance = any(slot.km_target < float("inf") for slot in slots)
    free = list(range(len(slots)))  # sorted vehicle numbers that are free now
    busy: list[tuple[int, int]] = []  # heap of (free again at, vehicle number)
    left_over: list[int] = []
    for b in order:
        start, end = int(blocks.start[b]), int(blocks.end[b])
        km = float(blocks.km[b])
        while busy and busy[0][0] <= start:
            bisect.insort(free, heapq.heappop(busy)[1])
        chosen = None
        short_of_km = False
        if rule is None and not balance:
            if free:
                chosen = 0
        else:
            members = blocks.trip_order[blocks.ptr[b] : blocks.ptr[b + 1]]
            positions = range(len(free))
            if balance:
                positions = sorted(positions, key=lambda p: (slots[free[p]].km, free[p]))
            for pos in positions:
                slot = slots[free[pos]]
                if not slot.km_room(km):
                    short_of_km = True
                    continue
                if rule is not None:
                    after = ev_drive(trips, members, rule, slot.battery_km, slot.last_trip_end)
                    if after is None:
                        continue
                    slot.battery_km, slot.last_trip_end = after
                chosen = pos
                break
        if chosen is None:
            left_over.append(int(b))
            if km_left is not None and short_of_km:
                km_left.append(int(b))
            continue
        v = free.pop(chosen)
        slot = slots[v]
        slot.starts.append(start)
        slot.ends.append(end)
        slot.blocks.append(int(b))
        slot.km += km
        heapq.heappush(busy, (end, v))
    return left_over


def _battery_window(
    blocks: Blocks, trips: TripArrays, planned: list[int], pos: int, b: int, rule: EvRule
) -> list[int]:
    """The blocks whose battery level block b (inserted at `pos`) can change: back to the
    last stop long enough to fill the battery whatever came before, and on to the next such
    stop (after it, every level is as before, and the vehicle's plan was feasible). Checking
    the whole year instead made the repair of a 1,000-vehicle plan take minutes."""
    refill_s = max(rule.min_stop_s, rule.capacity_km / rule.km_per_second)

    def first_start(x: int) -> int:
        return int(trips.start[blocks.trip_order[blocks.ptr[x]]])

    def last_end(x: int) -> int:
        return int(trips.end[blocks.trip_order[blocks.ptr[x + 1] - 1]])

    lo, head = pos, b  # head: the earliest block in the window so far
    while lo > 0 and first_start(head) - last_end(planned[lo - 1]) < refill_s:
        lo -= 1
        head = planned[lo]
    hi, tail = pos, b
    while hi < len(planned) and first_start(planned[hi]) - last_end(tail) < refill_s:
        tail = planned[hi]
        hi += 1
    return [*planned[lo:pos], b, *planned[pos:hi]]


def try_insert(
    blocks: Blocks, trips: TripArrays, b: int, slot: VehicleSlot, rule: EvRule | None
) -> bool:
    """Put block b on an already planned vehicle if time (for EVs, charge; with a hard km
    allowance, km) allows."""
    if not slot.km_room(float(blocks.km[b])):
        return False
    start, end = int(blocks.start[b]), int(blocks.end[b])
    pos = bisect.bisect_left(slot.starts, start)
    if pos > 0 and slot.ends[pos - 1] > start:
        return False
    if pos < len(slot.starts) and end > slot.starts[pos]:
        return False
    if rule is not None:
        sequence = _battery_window(blocks, trips, slot.blocks, pos, b, rule)
        members = np.concatenate(
            [blocks.trip_order[blocks.ptr[x] : blocks.ptr[x + 1]] for x in sequence]
        )
        if ev_drive(trips, members, rule, rule.capacity_km, None) is None:
            return False
    slot.starts.insert(pos, start)
    slot.ends.insert(pos, end)
    slot.blocks.insert(pos, b)
    slot.km += float(blocks.km[b])
    return True


def take_out(blocks: Blocks, b: int, slot: VehicleSlot) -> None:
    """Remove block b from a vehicle (a trip less never empties an EV's battery later)."""
    pos = slot.blocks.index(b)
    del slot.starts[pos], slot.ends[pos], slot.blocks[pos]
    slot.km -= float(blocks.km[b])


def balance_km(
    blocks: Blocks, trips: TripArrays, slots: list[VehicleSlot], rule: EvRule | None
) -> None:
    """Move blocks from vehicles over their km allowance to vehicles of the same class with
    room, longest blocks first, while a move keeps both within time, charge and km."""
    if not any(slot.km_target < float("inf") for slot in slots):
        return
    for slot in sorted(slots, key=lambda x: -x.km):
        if slot.km <= slot.km_target + _KM_TOLERANCE:
            continue
        for b in sorted(slot.blocks, key=lambda x: -float(blocks.km[x])):
            km = float(blocks.km[b])
            if slot.km <= slot.km_target + _KM_TOLERANCE:
                break
            for other in sorted(slots, key=lambda x: x.km):
                if other is slot or other.km + km > other.km_target + _KM_TOLERANCE:
                    continue
                if try_insert(blocks, trips, b, other, rule):
                    take_out(blocks, b, slot)
                    break
