"""Engine parameters: defaults with their Danish source and year, strict JSON round trip.

`Parameters.from_dict` rejects unknown keys and names the key path, because a typo such as
`"co2_value_dkk_per_tonne"` must not silently fall back to a default and change every result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from app.engine.errors import EngineError

# Where each default comes from (shown in settings and in the report's "Forudsætninger").
DEFAULT_SOURCES: dict[str, str] = {
    "emission_kg_per_unit": (
        "Miljøstyrelsen / POGI TCO-værktøj for motorkøretøjer (ca. 2021), tank-to-wheel; "
        "el 0,089 kg/kWh (2021)"
    ),
    "energy_price_dkk_per_unit": "POGI TCO-værktøj, standardpriser (ca. 2021)",
    "co2_value_dkk_per_t": "Klimarådet (2020), standard i POGI TCO-værktøj",
    "own_car.allowance_dkk_per_km": "Skatterådet, befordringsgodtgørelse 2026 (høj sats)",
    "own_car.km_per_litre": "Typisk lille benzinbil 17-20 km/l (WLTP)",
    "ev.winter_derating_pct": "NAF El Prix / vintertest (2023-2026): 30 % til planlægning",
    "changeover_minutes": "OS2fleetoptimiser standard (5 min)",
    "bike": "OS2fleetoptimiser standard: 15 km, 20 km/t, 07:00-15:30",
    "ebike": "OS2fleetoptimiser standard: 30 km/t, 07:00-15:30; maks. 25 km (vores valg)",
    "allocation.bike_share_pct": (
        "FleetOptimiser planlægningsantagelse (2026): halvdelen af de cykelegnede ture, der i dag"
        " køres i bil; OS2fleetoptimiser bruger 100 %"
    ),
    "allocation.keep_type_locations": "FleetOptimiser standard: ingen lokationer",
    "allowance.overage_dkk_per_km": (
        "FleetOptimiser standard: ingen pris, km-tilladelsen er en fast grænse. Leasingaftaler"
        " opkræver typisk 0,5-2 kr. pr. km over den aftalte kørsel (se kontrakten)"
    ),
}

FUELS_WITH_ENERGY = ("petrol", "diesel", "hvo", "electricity")
_TIME_RE = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _minutes(text: object, path: str) -> int:
    """'07:30' -> 450; '24:00' is allowed as the end of a day."""
    if not isinstance(text, str) or not _TIME_RE.match(text):
        raise EngineError(f"parameters: {path}: forventede et klokkeslæt 'TT:MM', fik {text!r}")
    hours, minutes = int(text[:2]), int(text[3:])
    if hours == 24 and minutes:
        raise EngineError(f"parameters: {path}: ugyldigt klokkeslæt {text!r}")
    return hours * 60 + minutes


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _number(value: object, path: str, *, minimum: float | None = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EngineError(f"parameters: {path}: forventede et tal, fik {value!r}")
    if minimum is not None and value < minimum:
        raise EngineError(f"parameters: {path}: må ikke være under {minimum:g}, fik {value!r}")
    return float(value)


def _optional_number(value: object, path: str) -> float | None:
    return None if value is None else _number(value, path)


def _date(value: object, path: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise EngineError(
            f"parameters: {path}: forventede en dato 'ÅÅÅÅ-MM-DD', fik {value!r}"
        ) from None


def _mapping(value: object, path: str) -> dict:
    if not isinstance(value, dict):
        raise EngineError(f"parameters: {path}: forventede et objekt {{...}}, fik {value!r}")
    return value


def _reject_unknown(d: dict, allowed: set[str], path: str) -> None:
    unknown = sorted(set(d) - allowed)
    if unknown:
        where = f"{path}." if path else ""
        raise EngineError(
            f"parameters: ukendt nøgle {where}{unknown[0]!r}"
            f" (tilladte: {', '.join(sorted(allowed))})"
        )


def _windows(value: object, path: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list):
        raise EngineError(f"parameters: {path}: forventede en liste af [start, slut]")
    windows = []
    for i, pair in enumerate(value):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise EngineError(f'parameters: {path}[{i}]: forventede ["TT:MM", "TT:MM"]')
        start, end = _minutes(pair[0], f"{path}[{i}][0]"), _minutes(pair[1], f"{path}[{i}][1]")
        if start == end:
            raise EngineError(f"parameters: {path}[{i}]: start og slut er ens")
        windows.append((start, end))
    return tuple(windows)


@dataclass(frozen=True, slots=True)
class OwnCar:
    """Unserved trips are driven in an employee's petrol car and paid by the km."""

    allowance_dkk_per_km: float = 3.94
    km_per_litre: float = 18.0


@dataclass(frozen=True, slots=True)
class UnservedRules:
    penalty_dkk_per_trip: float = 0.0
    max_trips_per_pool: int | None = None  # in the period
    must_serve_above_km: float | None = None  # trips strictly longer must be served


@dataclass(frozen=True, slots=True)
class EvSettings:
    winter_derating_pct: float = 30.0
    charger_kw: float = 11.0
    min_charging_minutes: float = 30.0


@dataclass(frozen=True, slots=True)
class BikeSettings:
    max_km: float
    speed_kmh: float
    windows: tuple[tuple[int, int], ...]  # minutes after local midnight; end < start wraps


@dataclass(frozen=True, slots=True)
class AllocationSettings:
    """Which trips may change vehicle type: realistic settings instead of "every trip a
    bike can do is ridden".

    `bike_share_pct`: of the trips a bike or e-bike could physically do, the share staff
    will in practice ride. A trip counts as ridden when today's vehicle is a bike or e-bike,
    or when its fixed draw (BLAKE2b of the trip id, see `prepare.bike_draw`) is below the
    share: the same trips for the same input, whatever the trip order or the other trips.
    `keep_type_locations`: locations whose trips may only be served by a vehicle of the type
    (bike, ebike, ev, fossil) that drove them today (unknown vehicle: no restriction).
    """

    bike_share_pct: float = 50.0
    keep_type_locations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KmAllowanceSettings:
    """Lease km allowances (`Vehicle.yearly_km_allowance`, `CandidateModel.yearly_km_allowance`).

    `overage_dkk_per_km` None (the default): a vehicle may drive at most its allowance per
    year in the plan (period km x 365 / period days), a hard rule. A number: it may drive
    more, and each km a year over the allowance costs this many DKK (money, in
    `Totals.overage_dkk`), as a lease contract's excess-mileage charge does.
    """

    overage_dkk_per_km: float | None = None


@dataclass(frozen=True, slots=True)
class SolverSettings:
    time_limit_s: float = 300.0
    rel_gap: float = 0.001
    threads: int = 2


def _allocation(value: object, base: AllocationSettings) -> AllocationSettings:
    given = _mapping(value, "allocation")
    _reject_unknown(given, {"bike_share_pct", "keep_type_locations"}, "allocation")
    share = _number(given.get("bike_share_pct", base.bike_share_pct), "allocation.bike_share_pct")
    if not share <= 100:  # also NaN
        raise EngineError(
            f"parameters: allocation.bike_share_pct: skal være mellem 0 og 100, fik {share:g}"
        )
    names = given.get("keep_type_locations", list(base.keep_type_locations))
    if not isinstance(names, list | tuple):
        raise EngineError(
            "parameters: allocation.keep_type_locations: forventede en liste af lokationer,"
            f" fik {names!r}"
        )
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            raise EngineError(
                f"parameters: allocation.keep_type_locations[{i}]: forventede et"
                f" lokationsnavn, fik {name!r}"
            )
    return AllocationSettings(bike_share_pct=share, keep_type_locations=tuple(sorted(set(names))))


def _default_bike() -> BikeSettings:
    return BikeSettings(max_km=15.0, speed_kmh=20.0, windows=((7 * 60, 15 * 60 + 30),))


def _default_ebike() -> BikeSettings:
    return BikeSettings(max_km=25.0, speed_kmh=30.0, windows=((7 * 60, 15 * 60 + 30),))


@dataclass(frozen=True, slots=True)
class Parameters:
    period_start: date | None = None  # default: first trip day
    period_end: date | None = None  # default: last trip day
    decision_date: date | None = None  # default: period end
    emission_kg_per_unit: dict[str, float] = field(
        default_factory=lambda: {
            "petrol": 2.52,
            "diesel": 2.98,
            "hvo": 0.894,
            "electricity": 0.089,
        }
    )
    energy_price_dkk_per_unit: dict[str, float] = field(
        default_factory=lambda: {
            "petrol": 12.33,
            "diesel": 10.83,
            "hvo": 19.84,
            "electricity": 2.13,
        }
    )
    co2_value_dkk_per_t: float = 1500.0
    own_car: OwnCar = field(default_factory=OwnCar)
    unserved: UnservedRules = field(default_factory=UnservedRules)
    changeover_minutes: float = 5.0
    ev: EvSettings = field(default_factory=EvSettings)
    bike: BikeSettings = field(default_factory=_default_bike)
    ebike: BikeSettings = field(default_factory=_default_ebike)
    shifts: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    pools: tuple[tuple[str, ...], ...] = ()
    allocation: AllocationSettings = field(default_factory=AllocationSettings)
    allowance: KmAllowanceSettings = field(default_factory=KmAllowanceSettings)
    solver: SolverSettings = field(default_factory=SolverSettings)

    # ----------------------------------------------------------------- derived figures
    @property
    def own_car_co2e_kg_per_km(self) -> float:
        return self.emission_kg_per_unit["petrol"] / self.own_car.km_per_litre

    def with_co2_value(self, co2_value_dkk_per_t: float) -> Parameters:
        from dataclasses import replace

        return replace(self, co2_value_dkk_per_t=float(co2_value_dkk_per_t))

    # ----------------------------------------------------------------- JSON round trip
    @classmethod
    def from_dict(cls, d: dict | None) -> Parameters:
        """Strict: every key optional, unknown keys are an error naming the key path."""
        d = _mapping({} if d is None else d, "(rod)")
        top = {
            "period",
            "decision_date",
            "emission_kg_per_unit",
            "energy_price_dkk_per_unit",
            "co2_value_dkk_per_t",
            "own_car",
            "unserved",
            "changeover_minutes",
            "ev",
            "bike",
            "ebike",
            "shifts",
            "pools",
            "allocation",
            "allowance",
            "solver",
        }
        _reject_unknown(d, top, "")
        defaults = cls()
        kwargs: dict = {}

        if "period" in d and d["period"] is not None:
            period = _mapping(d["period"], "period")
            _reject_unknown(period, {"start", "end"}, "period")
            if period.get("start") is not None:
                kwargs["period_start"] = _date(period["start"], "period.start")
            if period.get("end") is not None:
                kwargs["period_end"] = _date(period["end"], "period.end")
            start, end = kwargs.get("period_start"), kwargs.get("period_end")
            if start and end and end < start:
                raise EngineError("parameters: period: slutdatoen ligger før startdatoen")
        if d.get("decision_date") is not None:
            kwargs["decision_date"] = _date(d["decision_date"], "decision_date")

        for key in ("emission_kg_per_unit", "energy_price_dkk_per_unit"):
            if key in d:
                given = _mapping(d[key], key)
                _reject_unknown(given, set(FUELS_WITH_ENERGY), key)
                merged = dict(getattr(defaults, key))
                for fuel, value in given.items():
                    merged[fuel] = _number(value, f"{key}.{fuel}")
                kwargs[key] = merged

        if "co2_value_dkk_per_t" in d:
            kwargs["co2_value_dkk_per_t"] = _number(d["co2_value_dkk_per_t"], "co2_value_dkk_per_t")
        if "changeover_minutes" in d:
            kwargs["changeover_minutes"] = _number(d["changeover_minutes"], "changeover_minutes")

        if "own_car" in d:
            own = _mapping(d["own_car"], "own_car")
            _reject_unknown(own, {"allowance_dkk_per_km", "km_per_litre"}, "own_car")
            kwargs["own_car"] = OwnCar(
                allowance_dkk_per_km=_number(
                    own.get("allowance_dkk_per_km", defaults.own_car.allowance_dkk_per_km),
                    "own_car.allowance_dkk_per_km",
                ),
                km_per_litre=_number(
                    own.get("km_per_litre", defaults.own_car.km_per_litre),
                    "own_car.km_per_litre",
                ),
            )
            if kwargs["own_car"].km_per_litre <= 0:
                raise EngineError("parameters: own_car.km_per_litre skal være over 0")

        if "unserved" in d:
            un = _mapping(d["unserved"], "unserved")
            _reject_unknown(
                un,
                {"penalty_dkk_per_trip", "max_trips_per_pool", "must_serve_above_km"},
                "unserved",
            )
            max_trips = un.get("max_trips_per_pool")
            if max_trips is not None and (
                isinstance(max_trips, bool) or not isinstance(max_trips, int) or max_trips < 0
            ):
                raise EngineError(
                    "parameters: unserved.max_trips_per_pool: forventede et helt tal >= 0,"
                    f" fik {max_trips!r}"
                )
            kwargs["unserved"] = UnservedRules(
                penalty_dkk_per_trip=_number(
                    un.get("penalty_dkk_per_trip", 0), "unserved.penalty_dkk_per_trip"
                ),
                max_trips_per_pool=max_trips,
                must_serve_above_km=_optional_number(
                    un.get("must_serve_above_km"), "unserved.must_serve_above_km"
                ),
            )

        if "ev" in d:
            ev = _mapping(d["ev"], "ev")
            _reject_unknown(ev, {"winter_derating_pct", "charger_kw", "min_charging_minutes"}, "ev")
            derating = _number(
                ev.get("winter_derating_pct", defaults.ev.winter_derating_pct),
                "ev.winter_derating_pct",
            )
            if derating >= 100:
                raise EngineError("parameters: ev.winter_derating_pct skal være under 100")
            kwargs["ev"] = EvSettings(
                winter_derating_pct=derating,
                charger_kw=_number(ev.get("charger_kw", defaults.ev.charger_kw), "ev.charger_kw"),
                min_charging_minutes=_number(
                    ev.get("min_charging_minutes", defaults.ev.min_charging_minutes),
                    "ev.min_charging_minutes",
                ),
            )

        for key in ("bike", "ebike"):
            if key in d:
                given = _mapping(d[key], key)
                _reject_unknown(given, {"max_km", "speed_kmh", "windows"}, key)
                base = getattr(defaults, key)
                speed = _number(given.get("speed_kmh", base.speed_kmh), f"{key}.speed_kmh")
                if speed <= 0:
                    raise EngineError(f"parameters: {key}.speed_kmh skal være over 0")
                kwargs[key] = BikeSettings(
                    max_km=_number(given.get("max_km", base.max_km), f"{key}.max_km"),
                    speed_kmh=speed,
                    windows=(
                        _windows(given["windows"], f"{key}.windows")
                        if "windows" in given
                        else base.windows
                    ),
                )

        if "shifts" in d:
            shifts = _mapping(d["shifts"], "shifts")
            kwargs["shifts"] = {
                str(loc): _windows(w, f"shifts.{loc}") for loc, w in sorted(shifts.items())
            }

        if "pools" in d:
            pools = d["pools"]
            if not isinstance(pools, list):
                raise EngineError("parameters: pools: forventede en liste af lister af lokationer")
            seen: set[str] = set()
            result = []
            for i, pool in enumerate(pools):
                if not isinstance(pool, list) or not all(isinstance(x, str) for x in pool):
                    raise EngineError(f"parameters: pools[{i}]: forventede en liste af lokationer")
                for loc in pool:
                    if loc in seen:
                        raise EngineError(
                            f"parameters: pools[{i}]: lokationen {loc!r} er i mere end én pulje"
                        )
                    seen.add(loc)
                if pool:
                    result.append(tuple(sorted(pool)))
            kwargs["pools"] = tuple(sorted(result))

        if "allocation" in d:
            kwargs["allocation"] = _allocation(d["allocation"], defaults.allocation)

        if "allowance" in d:
            given = _mapping(d["allowance"], "allowance")
            _reject_unknown(given, {"overage_dkk_per_km"}, "allowance")
            kwargs["allowance"] = KmAllowanceSettings(
                overage_dkk_per_km=_optional_number(
                    given.get("overage_dkk_per_km"), "allowance.overage_dkk_per_km"
                )
            )

        if "solver" in d:
            so = _mapping(d["solver"], "solver")
            _reject_unknown(so, {"time_limit_s", "rel_gap", "threads"}, "solver")
            threads = so.get("threads", defaults.solver.threads)
            if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
                raise EngineError(
                    f"parameters: solver.threads: forventede et helt tal >= 1, fik {threads!r}"
                )
            time_limit = _number(
                so.get("time_limit_s", defaults.solver.time_limit_s), "solver.time_limit_s"
            )
            if time_limit <= 0:
                raise EngineError("parameters: solver.time_limit_s skal være over 0")
            kwargs["solver"] = SolverSettings(
                time_limit_s=time_limit,
                rel_gap=_number(so.get("rel_gap", defaults.solver.rel_gap), "solver.rel_gap"),
                threads=threads,
            )
        return cls(**kwargs)

    def to_dict(self) -> dict:
        """Every key with the value used (defaults filled); `from_dict` reads it back."""

        def bike(b: BikeSettings) -> dict:
            return {
                "max_km": b.max_km,
                "speed_kmh": b.speed_kmh,
                "windows": [[_hhmm(a), _hhmm(z)] for a, z in b.windows],
            }

        return {
            "period": {
                "start": self.period_start.isoformat() if self.period_start else None,
                "end": self.period_end.isoformat() if self.period_end else None,
            },
            "decision_date": self.decision_date.isoformat() if self.decision_date else None,
            "emission_kg_per_unit": dict(self.emission_kg_per_unit),
            "energy_price_dkk_per_unit": dict(self.energy_price_dkk_per_unit),
            "co2_value_dkk_per_t": self.co2_value_dkk_per_t,
            "own_car": {
                "allowance_dkk_per_km": self.own_car.allowance_dkk_per_km,
                "km_per_litre": self.own_car.km_per_litre,
            },
            "unserved": {
                "penalty_dkk_per_trip": self.unserved.penalty_dkk_per_trip,
                "max_trips_per_pool": self.unserved.max_trips_per_pool,
                "must_serve_above_km": self.unserved.must_serve_above_km,
            },
            "changeover_minutes": self.changeover_minutes,
            "ev": {
                "winter_derating_pct": self.ev.winter_derating_pct,
                "charger_kw": self.ev.charger_kw,
                "min_charging_minutes": self.ev.min_charging_minutes,
            },
            "bike": bike(self.bike),
            "ebike": bike(self.ebike),
            "shifts": {
                loc: [[_hhmm(a), _hhmm(z)] for a, z in windows]
                for loc, windows in sorted(self.shifts.items())
            },
            "pools": [list(p) for p in self.pools],
            "allocation": {
                "bike_share_pct": self.allocation.bike_share_pct,
                "keep_type_locations": list(self.allocation.keep_type_locations),
            },
            "allowance": {"overage_dkk_per_km": self.allowance.overage_dkk_per_km},
            "solver": {
                "time_limit_s": self.solver.time_limit_s,
                "rel_gap": self.solver.rel_gap,
                "threads": self.solver.threads,
            },
        }
