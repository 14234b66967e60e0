"""A realistic, deterministic demo municipality ("Demo Kommune").

Pure Python: returns plain records, writes nothing. Patterns follow
../shared/reference/danish-defaults.md: working-day rhythm, about 80 % of round trips
between 07 and 15 and the rest in home care's evening shift, lognormal distances with a
median of about 7 km and a few long trips of 100-300 km, some weekend trips in home care.
Demo-only yearly costs: small EV 61,000, small petrol car 47,000, e-bike 6,000, bike 2,000.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Copenhagen")
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class DemoLocation:
    name: str
    address: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class DemoModel:
    make: str
    model: str
    vehicle_type: str
    fuel: str
    yearly_cost_dkk: float | None
    km_per_litre: float | None = None
    wh_per_km: float | None = None
    range_km: float | None = None
    plug_in_hybrid: bool = False


@dataclass
class DemoVehicle:
    fleet_id: str
    plate: str | None
    model: DemoModel
    location: str
    department: tuple[str, str]  # (administration, department)
    lease_type: str
    lease_start: date | None
    lease_end: date | None
    yearly_km_allowance: float | None
    # Role decides the rhythm of its trips: "homecare", "evening", "pool", "technical", "bike"
    role: str
    moves: list[tuple[date, str]] = field(default_factory=list)  # (valid_from, location)
    missing: tuple[str, ...] = ()  # fields left empty on purpose ("mangler data")


@dataclass(frozen=True)
class DemoTrip:
    fleet_id: str
    location: str
    start: datetime  # aware, Europe/Copenhagen
    end: datetime
    distance_km: float
    driving_minutes: float


@dataclass
class DemoData:
    locations: list[DemoLocation]
    administrations: dict[str, list[str]]
    vehicles: list[DemoVehicle]
    trips: list[DemoTrip]
    start: date
    end: date


LOCATIONS = [
    DemoLocation("Hjemmeplejen Nord", "Nørregade 12, 8600 Demoby", 56.1872, 9.5491),
    DemoLocation("Hjemmeplejen Syd", "Sønderport 4, 8600 Demoby", 56.1521, 9.5602),
    DemoLocation("Rådhuset", "Torvet 1, 8600 Demoby", 56.1699, 9.5488),
    DemoLocation("Materielgården", "Industrivej 30, 8600 Demoby", 56.1603, 9.5901),
    DemoLocation("Sundhedscentret", "Vestergade 55, 8600 Demoby", 56.1688, 9.5201),
]

ADMINISTRATIONS = {
    "Sundhed og Omsorg": ["Hjemmepleje Nord", "Hjemmepleje Syd", "Sygepleje og Træning"],
    "Teknik og Miljø": ["Vej og Park", "Ejendomme"],
    "Borgerservice og Administration": ["Rådhusservice", "Jobcenter"],
}

YARIS = DemoModel("Toyota", "Yaris 1.5", "fossil", "petrol", 47_000, km_per_litre=19.2)
PEUGEOT = DemoModel("Peugeot", "208 1.2", "fossil", "petrol", 46_000, km_per_litre=18.5)
BERLINGO = DemoModel(
    "Citroën", "Berlingo 1.5 BlueHDi", "fossil", "diesel", 58_000, km_per_litre=17.0
)
TRANSIT_HVO = DemoModel("Ford", "Transit Custom", "fossil", "hvo", 72_000, km_per_litre=13.5)
OUTLANDER = DemoModel(
    "Mitsubishi",
    "Outlander PHEV",
    "fossil",
    "petrol",
    66_000,
    km_per_litre=16.0,
    plug_in_hybrid=True,
)
EUP = DemoModel("Volkswagen", "e-up!", "ev", "electricity", 58_000, wh_per_km=147, range_km=258)
ZOE = DemoModel("Renault", "Zoe R135", "ev", "electricity", 61_000, wh_per_km=172, range_km=390)
ENIRO = DemoModel("Kia", "e-Niro", "ev", "electricity", 68_000, wh_per_km=159, range_km=455)
EBIKE = DemoModel("Kildemoes", "Logic E-bike", "ebike", "electricity", 6_000, wh_per_km=10)
BIKE = DemoModel("Winther", "Cykel 7 gear", "bike", "none", 2_000)

# (role, model, count, department) per location: the demo fleet (94 vehicles).
FLEET_PLAN: dict[str, list[tuple[str, DemoModel, int, tuple[str, str]]]] = {
    "Hjemmeplejen Nord": [
        ("homecare", YARIS, 9, ("Sundhed og Omsorg", "Hjemmepleje Nord")),
        ("homecare", EUP, 6, ("Sundhed og Omsorg", "Hjemmepleje Nord")),
        ("evening", PEUGEOT, 5, ("Sundhed og Omsorg", "Hjemmepleje Nord")),
        ("bike", EBIKE, 4, ("Sundhed og Omsorg", "Hjemmepleje Nord")),
        ("bike", BIKE, 2, ("Sundhed og Omsorg", "Hjemmepleje Nord")),
    ],
    "Hjemmeplejen Syd": [
        ("homecare", PEUGEOT, 8, ("Sundhed og Omsorg", "Hjemmepleje Syd")),
        ("homecare", ZOE, 6, ("Sundhed og Omsorg", "Hjemmepleje Syd")),
        ("evening", YARIS, 5, ("Sundhed og Omsorg", "Hjemmepleje Syd")),
        ("bike", EBIKE, 3, ("Sundhed og Omsorg", "Hjemmepleje Syd")),
    ],
    "Rådhuset": [
        ("pool", ENIRO, 4, ("Borgerservice og Administration", "Rådhusservice")),
        ("pool", YARIS, 3, ("Borgerservice og Administration", "Jobcenter")),
        ("pool", OUTLANDER, 2, ("Borgerservice og Administration", "Rådhusservice")),
        ("bike", EBIKE, 3, ("Borgerservice og Administration", "Jobcenter")),
        ("bike", BIKE, 2, ("Borgerservice og Administration", "Rådhusservice")),
    ],
    "Materielgården": [
        ("technical", BERLINGO, 8, ("Teknik og Miljø", "Vej og Park")),
        ("technical", TRANSIT_HVO, 4, ("Teknik og Miljø", "Vej og Park")),
        ("technical", ZOE, 3, ("Teknik og Miljø", "Ejendomme")),
        ("bike", EBIKE, 2, ("Teknik og Miljø", "Ejendomme")),
    ],
    "Sundhedscentret": [
        ("homecare", ZOE, 5, ("Sundhed og Omsorg", "Sygepleje og Træning")),
        ("homecare", YARIS, 3, ("Sundhed og Omsorg", "Sygepleje og Træning")),
        ("evening", EUP, 3, ("Sundhed og Omsorg", "Sygepleje og Træning")),
        ("pool", BERLINGO, 1, ("Sundhed og Omsorg", "Sygepleje og Træning")),
        ("bike", EBIKE, 2, ("Sundhed og Omsorg", "Sygepleje og Træning")),
        ("bike", BIKE, 1, ("Sundhed og Omsorg", "Sygepleje og Træning")),
    ],
}

# Trips per working day (mean) by role; home care also works weekends at a lower rate.
TRIPS_PER_DAY = {"homecare": 3.2, "evening": 3.4, "pool": 1.4, "technical": 2.2, "bike": 1.6}
WEEKEND_FACTOR = {"homecare": 0.55, "evening": 0.8, "pool": 0.0, "technical": 0.05, "bike": 0.1}


def _lognormal_km(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def _distance_km(rng: random.Random, role: str, model: DemoModel) -> float:
    if model.vehicle_type == "bike":
        return round(min(14.0, max(0.8, _lognormal_km(rng, 3.5, 0.5))), 1)
    if model.vehicle_type == "ebike":
        return round(min(22.0, max(1.0, _lognormal_km(rng, 5.0, 0.5))), 1)
    # A few long trips (courses, meetings in other towns, hospital transfers).
    long_share = {"pool": 0.05, "technical": 0.02}.get(role, 0.004)
    if rng.random() < long_share:
        return round(rng.uniform(100.0, 300.0), 1)
    median = {"pool": 11.0, "technical": 8.0}.get(role, 6.8)
    return round(min(95.0, max(0.5, _lognormal_km(rng, median, 0.75))), 1)


def _speed_kmh(model: DemoModel, distance: float) -> float:
    if model.vehicle_type == "bike":
        return 15.0
    if model.vehicle_type == "ebike":
        return 22.0
    return 70.0 if distance > 60 else 32.0


def _day_trips(rng, vehicle: DemoVehicle, location: str, day: date) -> list[DemoTrip]:
    role = vehicle.role
    weekend = day.weekday() >= 5
    mean = TRIPS_PER_DAY[role] * (WEEKEND_FACTOR[role] if weekend else 1.0)
    # Poisson-like count without numpy: sum of Bernoulli draws.
    count = sum(rng.random() < mean / 6 for _ in range(6))
    if count == 0:
        return []
    if role == "evening":
        window_start, window_end = time(15, 0), time(22, 45)
    else:
        window_start, window_end = time(7, 0), time(15, 0)
    cursor = datetime.combine(day, window_start, LOCAL) + timedelta(minutes=rng.randint(0, 50))
    limit = datetime.combine(day, window_end, LOCAL)
    trips = []
    for _ in range(count):
        distance = _distance_km(rng, role, vehicle.model)
        driving = distance / _speed_kmh(vehicle.model, distance) * 60
        stops = _lognormal_km(rng, 28.0, 0.6) if distance < 100 else rng.uniform(60, 240)
        duration = max(10.0, driving + stops)
        start = cursor
        end = start + timedelta(minutes=round(duration))
        # Long trips may run past the window (a day out of town); short ones stay inside.
        if end > limit and distance < 100:
            break
        trips.append(
            DemoTrip(
                vehicle.fleet_id,
                location,
                _normalise(start),
                _normalise(end),
                distance,
                round(driving, 1),
            )
        )
        cursor = end + timedelta(minutes=rng.randint(10, 75))
        if cursor >= limit:
            break
    return trips


def _normalise(value: datetime) -> datetime:
    # Through UTC and back so a wall time in a DST gap becomes a real instant.
    return value.astimezone(ZoneInfo("UTC")).astimezone(LOCAL)


def _location_on(vehicle: DemoVehicle, day: date) -> str:
    location = vehicle.location
    for valid_from, moved_to in vehicle.moves:
        if day >= valid_from:
            location = moved_to
    return location


def _build_fleet(rng: random.Random, start: date, end: date) -> list[DemoVehicle]:
    vehicles: list[DemoVehicle] = []
    number = 1000
    for location, groups in FLEET_PLAN.items():
        for role, model, count, department in groups:
            for _ in range(count):
                number += 1
                is_car = model.vehicle_type in ("ev", "fossil")
                lease_start = start - timedelta(days=rng.randint(200, 1400))
                lease_end = lease_start + timedelta(days=365 * rng.choice([3, 4, 5]))
                vehicles.append(
                    DemoVehicle(
                        fleet_id=str(number),
                        plate=_plate(rng) if is_car else None,
                        model=model,
                        location=location,
                        department=department,
                        lease_type="operational" if is_car else "owned",
                        lease_start=lease_start if is_car else None,
                        lease_end=lease_end if is_car else None,
                        yearly_km_allowance=rng.choice([15_000, 20_000, 25_000])
                        if is_car
                        else None,
                        role=role,
                    )
                )
    cars = [v for v in vehicles if v.model.vehicle_type in ("ev", "fossil")]
    # A few expired leases (still driving) and a few records lacking data, as in real registers.
    for vehicle in rng.sample(cars, 4):
        vehicle.lease_end = end - timedelta(days=rng.randint(20, 120))
    for vehicle, missing in zip(
        rng.sample(cars, 3), [("yearly_cost_dkk",), ("consumption",), ("lease_end",)], strict=True
    ):
        vehicle.missing = missing
    # One car moved from Sundhedscentret to Hjemmeplejen Syd mid-period (location history).
    mover = next(v for v in cars if v.location == "Sundhedscentret" and not v.missing)
    mover.moves.append((start + (end - start) // 2, "Hjemmeplejen Syd"))
    return vehicles


def _plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNOPRSTUVXYZ"
    return (
        f"{rng.choice(letters)}{rng.choice(letters)} {rng.randint(10, 99)} {rng.randint(100, 999)}"
    )


def generate(seed: int = DEFAULT_SEED, end: date | None = None, days: int = 365) -> DemoData:
    """The demo municipality with `days` of round trips ending on `end` (default yesterday)."""
    rng = random.Random(seed)
    end = end or (date.today() - timedelta(days=1))
    start = end - timedelta(days=days - 1)
    vehicles = _build_fleet(rng, start, end)
    trips: list[DemoTrip] = []
    day = start
    while day <= end:
        for vehicle in vehicles:
            trips.extend(_day_trips(rng, vehicle, _location_on(vehicle, day), day))
        day += timedelta(days=1)
    return DemoData(
        locations=list(LOCATIONS),
        administrations={k: list(v) for k, v in ADMINISTRATIONS.items()},
        vehicles=vehicles,
        trips=trips,
        start=start,
        end=end,
    )
