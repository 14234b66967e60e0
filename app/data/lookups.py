"""Finding vehicles and locations named in a file: exact matches only.

The incumbent matched vehicle ids as substrings ("26" found "264"); here a vehicle is
found by its exact fleet id, else by its exact number plate (spaces and dashes ignored).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Location, Vehicle, VehicleLocationHistory


def plate_key(plate: str) -> str:
    return "".join(ch for ch in plate.upper() if ch.isalnum())


@dataclass
class VehicleRef:
    id: int
    fleet_id: str
    location_id: int | None
    history_days: list[date] = field(default_factory=list)
    history_locations: list[int] = field(default_factory=list)

    def home_at(self, day: date) -> int | None:
        """The vehicle's home location on a day, from its location history."""
        index = bisect.bisect_right(self.history_days, day) - 1
        if index >= 0:
            return self.history_locations[index]
        if self.history_locations:
            # Before the first history entry: the earliest known home.
            return self.history_locations[0]
        return self.location_id


class Lookups:
    def __init__(self) -> None:
        self.by_fleet_id: dict[str, VehicleRef] = {}
        self.by_plate: dict[str, VehicleRef] = {}
        for vid, fleet_id, plate, location_id in db.session.execute(
            select(Vehicle.id, Vehicle.fleet_id, Vehicle.plate, Vehicle.location_id)
        ):
            ref = VehicleRef(vid, fleet_id, location_id)
            self.by_fleet_id[fleet_id.strip()] = ref
            if plate:
                self.by_plate.setdefault(plate_key(plate), ref)
        by_id = {ref.id: ref for ref in self.by_fleet_id.values()}
        for vid, valid_from, location_id in db.session.execute(
            select(
                VehicleLocationHistory.vehicle_id,
                VehicleLocationHistory.valid_from,
                VehicleLocationHistory.location_id,
            ).order_by(VehicleLocationHistory.vehicle_id, VehicleLocationHistory.valid_from)
        ):
            ref = by_id.get(vid)
            if ref is not None:
                ref.history_days.append(valid_from)
                ref.history_locations.append(location_id)
        self.vehicles_by_id = by_id
        self.locations: dict[str, int] = {}
        self.location_names: dict[int, str] = {}
        for lid, name in db.session.execute(select(Location.id, Location.name)):
            self.locations[name.strip().casefold()] = lid
            self.location_names[lid] = name

    def vehicle(self, key: str) -> VehicleRef | None:
        ref = self.by_fleet_id.get(key)
        if ref is None:
            ref = self.by_plate.get(plate_key(key))
        return ref

    def location(self, name: str) -> int | None:
        return self.locations.get(name.strip().casefold())
