"""The repair's battery check looks only at the stretch of a vehicle's plan that an inserted
block can change; it must decide exactly as a check of the vehicle's whole plan would."""

from __future__ import annotations

import itertools
import random

import numpy as np

from app.engine.plan import EvRule, VehicleSlot, ev_drive, first_fit, try_insert
from app.engine.prepare import Blocks, TripTimes

RULE = EvRule(capacity_km=120.0, km_per_second=11_000 / 180 / 3600, min_stop_s=30 * 60)


def random_blocks(seed: int, n: int = 60) -> tuple[Blocks, TripTimes]:
    """Single-trip blocks over a few days: long and short trips, short and long stops."""
    rng = random.Random(seed)
    starts, ends, kms = [], [], []
    for _ in range(n):
        day = rng.randrange(4)
        start = day * 86_400 + rng.randrange(6 * 3600, 20 * 3600, 300)
        duration = rng.choice([900, 1800, 3600, 7200])
        starts.append(start)
        ends.append(start + duration)
        kms.append(rng.choice([5.0, 20.0, 45.0, 70.0, 100.0]))
    order = np.argsort(starts, kind="stable")
    start = np.array(starts)[order]
    end = np.array(ends)[order]
    km = np.array(kms)[order]
    blocks = Blocks(
        start=start,
        end=end + 300,  # changeover
        km=km,
        trips=np.ones(n, dtype=np.int64),
        max_trip_km=km,
        day=start // 86_400,
        ptr=np.arange(n + 1),
        trip_order=np.arange(n),
    )
    return blocks, TripTimes(start, end, km)


def whole_plan_fits(blocks: Blocks, trips: TripTimes, slot: VehicleSlot, b: int) -> bool:
    """The reference: time and battery checked over the vehicle's whole plan with b in it."""
    sequence = sorted([*slot.blocks, b], key=lambda x: blocks.start[x])
    for a, c in itertools.pairwise(sequence):
        if blocks.end[a] > blocks.start[c]:
            return False
    members = np.array(sequence, dtype=np.int64)
    return ev_drive(trips, members, RULE, RULE.capacity_km, None) is not None


def test_windowed_battery_check_decides_like_the_whole_plan():
    decided = 0
    for seed in range(40):
        blocks, trips = random_blocks(seed)
        n = len(blocks.start)
        planned, rest = list(range(0, n, 2)), list(range(1, n, 2))
        slot = VehicleSlot("Nord/EV#1", 0)
        left = first_fit(blocks, trips, np.array(planned), [slot], RULE)
        rest = sorted(rest + left)
        for b in rest:
            expected = whole_plan_fits(blocks, trips, slot, b)
            before = list(slot.blocks)
            assert try_insert(blocks, trips, b, slot, RULE) == expected, (seed, b)
            if not expected:
                assert slot.blocks == before
            decided += 1
    assert decided > 500
