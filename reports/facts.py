"""The figures a decision report states, computed once from stored scenario results.

Nothing here is recomputed by the engine: every number comes from the stored run summary,
the stored per-vehicle result or the scenario's input snapshot, so the PDF says exactly
what the results page says.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.models import LOCAL_TZ
from app.models.scenarios import Scenario, ScenarioRun

# What a vehicle is called in Danish, by kind (cars split by fuel): (singular, plural).
KIND_NAMES = {
    "ev": ("elbil", "elbiler"),
    "petrol": ("benzinbil", "benzinbiler"),
    "diesel": ("dieselbil", "dieselbiler"),
    "hvo": ("HVO-bil", "HVO-biler"),
    "ebike": ("elcykel", "elcykler"),
    "bike": ("cykel", "cykler"),
}
CAR_KINDS = ("ev", "petrol", "diesel", "hvo")
BIKE_KINDS = ("ebike", "bike")
TYPE_LABELS = {"ev": "Elbil", "fossil": "Benzin/diesel", "bike": "Cykel", "ebike": "Elcykel"}
FUEL_LABELS = {
    "petrol": "benzin",
    "diesel": "diesel",
    "hvo": "HVO",
    "electricity": "el",
    "none": "ingen",
}
# The two pictures of today: each trip on the vehicle that drove it, and today's fleet with
# the trips planned as the scenario plans them (what shared booking would give).
AS_DRIVEN_LABEL = "I dag (som kørt)"
REPLANNED_LABEL = "I dag (omplanlagt)"
# Daytime on weekdays: when a municipal fleet is needed; night hours would hide idle cars.
DAY_START_HOUR, DAY_END_HOUR = 7, 17


def vehicle_kind(vehicle_type: str, fuel: str) -> str:
    if vehicle_type == "fossil":
        return fuel if fuel in ("petrol", "diesel", "hvo") else "petrol"
    return vehicle_type


@dataclass
class RemovedGroup:
    """Vehicles of one group that the proposal removes, and when each can go.

    `lease_ends` holds the removed vehicles' lease end dates (None: owned or no end date).
    Only a lease that ends after the decision date binds the municipality; a vehicle whose
    lease ended before it, or that has no lease end, can go as soon as it is decided.
    """

    label: str
    count: int
    lease_ends: list[date | None]
    decision_date: date | None = None

    @property
    def bound_ends(self) -> list[date]:
        """The lease ends after the decision date, earliest first."""
        return sorted(
            end
            for end in self.lease_ends
            if end is not None and (self.decision_date is None or end > self.decision_date)
        )

    @property
    def free_now(self) -> int:
        """How many of the removed vehicles no lease binds: they can go at once."""
        return self.count - len(self.bound_ends)

    @property
    def lease_end_text(self) -> str:
        """ "31. januar 2028 (2); 1 kan udgå med det samme": each binding end once, with a
        count, then the vehicles no lease binds."""
        from app.formatting import date_long, number

        counts: dict[date, int] = {}
        for end in self.bound_ends:
            counts[end] = counts.get(end, 0) + 1
        parts = [date_long(end) + (f" ({n})" if n > 1 else "") for end, n in counts.items()]
        if self.free_now and parts:
            parts.append(f"{number(self.free_now)} kan udgå med det samme")
        elif self.free_now:
            parts.append("Kan udgå med det samme (ingen leasingbinding)")
        return "; ".join(parts)


@dataclass
class PoolFacts:
    """One pool (a location, or locations sharing one fleet): today and the proposal."""

    name: str
    locations: list[str]
    today: dict[str, int]
    proposal: dict[str, int]
    removed: list[RemovedGroup] = field(default_factory=list)
    added: list[tuple[str, int]] = field(default_factory=list)

    @property
    def cars_today(self) -> int:
        return sum(self.today.get(k, 0) for k in CAR_KINDS)

    @property
    def cars_proposal(self) -> int:
        return sum(self.proposal.get(k, 0) for k in CAR_KINDS)

    @property
    def bikes_today(self) -> int:
        return sum(self.today.get(k, 0) for k in BIKE_KINDS)

    @property
    def bikes_proposal(self) -> int:
        return sum(self.proposal.get(k, 0) for k in BIKE_KINDS)


@dataclass
class UsageFacts:
    """Today's use of a location's fleet in the data period."""

    location: str
    vehicles: int
    trips: int
    km: float
    weekdays: int
    daytime_utilisation_pct: float | None
    peak_in_use: int
    peak_hour: int | None


@dataclass
class ComparisonRow:
    label: str
    kind: str  # baseline | recommended | scenario | alternative
    totals: dict
    most_ambitious: bool = False
    basis: str = ""  # for a baseline row: as_driven | replanned


@dataclass
class ParameterRow:
    key: str
    label: str
    value: str
    unit: str
    source: str
    year: str
    changed: bool = False


@dataclass
class VehicleDataRow:
    label: str
    location: str
    kind: str
    count: int
    yearly_cost_dkk: float
    consumption: str
    range_km: float | None
    candidate: bool = False


@dataclass
class ScenarioFacts:
    scenario: Scenario
    run: ScenarioRun
    summary: dict
    baseline: dict
    totals: dict
    pools: list[PoolFacts]
    usage: list[UsageFacts]
    period_days: int
    trips: int
    km: float
    excluded_vehicles: list[dict]
    excluded_trips: int
    included_vehicles: int
    decision_date: date | None
    longest_ev_trip_km: float | None
    shortest_ev_winter_range_km: float | None
    unserved_longest: list[dict]
    vehicle_data: list[VehicleDataRow]
    vehicle_usage: list[dict] = field(default_factory=list)
    # Today's fleet with the trips re-planned as the scenario plans them: the like-for-like
    # basis of the fleet decision. `baseline` is today's fleet as driven.
    replanned: dict = field(default_factory=dict)
    # planning = replanned - as driven, fleet_change = proposal - replanned, total = both.
    effects: dict = field(default_factory=dict)
    target: dict | None = None
    state: str = "optimal"  # optimal | feasible (a valid plan, not proven optimal)
    state_message: str = ""
    gap: float | None = None

    @property
    def locations(self) -> list[str]:
        return list(self.scenario.location_names)

    @property
    def fleet_change(self) -> dict:
        """What the fleet decision itself changes (proposal - today re-planned)."""
        return self.effects["fleet_change"]

    @property
    def planning(self) -> dict:
        """What re-planning today's fleet alone gives (shared booking; no fleet decision)."""
        return self.effects["planning"]

    @property
    def saving_dkk(self) -> float:
        """The fleet decision's yearly saving (positive: cheaper)."""
        return -self.fleet_change["yearly_cost_dkk"]

    @property
    def co2e_reduction_t(self) -> float:
        """The fleet decision's yearly CO2e reduction (positive: less CO2e)."""
        return -self.fleet_change["co2e_t"]

    @property
    def fleet_unchanged(self) -> bool:
        """The proposal keeps every group's count (e.g. a simulation of today's fleet)."""
        return all(line["count"] == line["current_count"] for line in self.summary["fleet"])

    @property
    def removed(self) -> list[tuple[PoolFacts, RemovedGroup]]:
        return [(pool, group) for pool in self.pools for group in pool.removed]

    @property
    def removed_count(self) -> int:
        return sum(group.count for _, group in self.removed)

    @property
    def removed_bound(self) -> int:
        """Removed vehicles whose lease ends after the decision date."""
        return sum(len(group.bound_ends) for _, group in self.removed)

    @property
    def last_bound_end(self) -> date | None:
        return max(
            (group.bound_ends[-1] for _, group in self.removed if group.bound_ends), default=None
        )

    @property
    def planning_text(self) -> str:
        from reports.texts import planning_sentence

        return planning_sentence(self)

    @property
    def target_text(self) -> str | None:
        from reports.texts import target_sentence

        return target_sentence(self)

    @property
    def no_fleet_effect(self) -> bool:
        """A proposal that keeps today's fleet and so changes nothing by itself."""
        from reports.texts import is_zero

        return self.fleet_unchanged and is_zero(self.fleet_change)

    @property
    def proof_notice(self) -> str | None:
        """The warning a result not proven optimal carries on the cover and in the Resumé."""
        if self.state != "feasible":
            return None
        from reports.texts import gap_text

        return (
            "Resultatet er ikke bevist optimalt; afstanden til den bedste grænse er "
            f"{gap_text(self.gap)}."
        )

    def share_of_trips_unserved_pct(self) -> float:
        trips = self.totals.get("trips") or 0
        return 100.0 * self.totals["unserved_trips"] / trips if trips else 0.0

    @property
    def proposal_counts(self) -> dict[str, int]:
        return _sum_counts(p.proposal for p in self.pools)

    @property
    def today_counts(self) -> dict[str, int]:
        return _sum_counts(p.today for p in self.pools)

    @property
    def trip_coverage_pct(self) -> float:
        total = self.trips + self.excluded_trips
        return 100.0 * self.trips / total if total else 100.0

    @property
    def vehicle_coverage_pct(self) -> float:
        total = self.included_vehicles + len(self.excluded_vehicles)
        return 100.0 * self.included_vehicles / total if total else 100.0


def _sum_counts(counts) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for one in counts:
        for kind, n in one.items():
            total[kind] += n
    return dict(total)


def pool_facts(
    summary: dict, snapshot_vehicles: list[dict], decision_date: date | None = None
) -> list[PoolFacts]:
    """Today's and the proposal's fleet per pool, with the vehicles removed.

    Which vehicles of a group go is the planner's choice; the report assumes the ones that
    can go first: no lease binding after the decision date, then the earliest lease ends.
    """

    def order(end: date | None) -> tuple[int, date]:
        free = end is None or (decision_date is not None and end <= decision_date)
        return (0, date.min) if free else (1, end)

    lease_end = {
        v["vehicle_id"]: date.fromisoformat(v["lease_end"]) if v.get("lease_end") else None
        for v in snapshot_vehicles
    }
    pools: dict[str, PoolFacts] = {}
    for line in summary["fleet"]:
        pool = pools.setdefault(
            line["pool"],
            PoolFacts(line["pool"], line["pool"].split("+"), defaultdict(int), defaultdict(int)),
        )
        kind = vehicle_kind(line["type"], line["fuel"])
        pool.today[kind] += line["current_count"]
        pool.proposal[kind] += line["count"]
        change = line["count"] - line["current_count"]
        if change < 0:
            if "handed_in" in line:
                # the engine chose which vehicles go (locked leases kept first)
                ends = [lease_end.get(h["vehicle_id"]) for h in line["handed_in"]][:-change]
            else:  # stored before the engine chose: the vehicles free soonest go first
                members = line.get("vehicle_ids", [])
                ends = sorted((lease_end.get(v) for v in members), key=order)[:-change]
            pool.removed.append(RemovedGroup(short_label(line), -change, ends, decision_date))
        elif change > 0:
            pool.added.append((short_label(line), change))
    for pool in pools.values():
        pool.today, pool.proposal = dict(pool.today), dict(pool.proposal)
        pool.removed = _merged_by_label(pool.removed)
    return [pools[name] for name in sorted(pools)]


def _merged_by_label(groups: list[RemovedGroup]) -> list[RemovedGroup]:
    """One row per model and location: the engine may split a model into groups (e.g. by
    km allowance), which a reader of the report does not need to see."""
    merged: dict[str, RemovedGroup] = {}
    for group in groups:
        if group.label in merged:
            into = merged[group.label]
            into.count += group.count
            into.lease_ends = [*into.lease_ends, *group.lease_ends]
        else:
            merged[group.label] = group
    return list(merged.values())


def short_label(line: dict) -> str:
    """'Toyota Yaris 1.5 (Rådhuset)' -> 'Toyota Yaris 1.5': the pool is said elsewhere."""
    label = line["label"]
    suffix = f" ({line['pool']})"
    return label[: -len(suffix)] if label.endswith(suffix) else label


def usage_facts(snapshot: dict, summary: dict) -> list[UsageFacts]:
    """Per location: trips, km, daytime utilisation on weekdays and the busiest hour."""
    start = date.fromisoformat(summary["parameters"]["period"]["start"])
    end = date.fromisoformat(summary["parameters"]["period"]["end"])
    weekdays = sum(
        1 for n in range((end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5
    )
    vehicles: dict[str, int] = defaultdict(int)
    for v in snapshot["vehicles"]:
        vehicles[v["location"]] += 1
    trips: dict[str, int] = defaultdict(int)
    km: dict[str, float] = defaultdict(float)
    busy_h: dict[str, float] = defaultdict(float)
    for row in snapshot["trips"]["rows"]:
        location = row[2]
        trips[location] += 1
        km[location] += row[5]
        t0 = datetime.fromisoformat(row[3]).astimezone(LOCAL_TZ)
        t1 = datetime.fromisoformat(row[4]).astimezone(LOCAL_TZ)
        if t0.weekday() >= 5:
            continue
        day_from = t0.replace(hour=DAY_START_HOUR, minute=0, second=0, microsecond=0)
        day_to = t0.replace(hour=DAY_END_HOUR, minute=0, second=0, microsecond=0)
        overlap = (min(t1, day_to) - max(t0, day_from)).total_seconds()
        if overlap > 0:
            busy_h[location] += overlap / 3600
    peaks = summary.get("charts", {}).get("peak_use_by_hour", {})
    facts = []
    for location in sorted(set(vehicles) | set(trips)):
        capacity = vehicles[location] * weekdays * (DAY_END_HOUR - DAY_START_HOUR)
        hourly = peaks.get(location) or next(
            (values for pool, values in peaks.items() if location in pool.split("+")), None
        )
        peak = max(hourly) if hourly else 0
        facts.append(
            UsageFacts(
                location=location,
                vehicles=vehicles[location],
                trips=trips[location],
                km=km[location],
                weekdays=weekdays,
                daytime_utilisation_pct=100.0 * busy_h[location] / capacity if capacity else None,
                peak_in_use=peak,
                peak_hour=hourly.index(peak) if hourly and peak else None,
            )
        )
    return facts


def _ev_ranges(snapshot: dict, derating_pct: float) -> float | None:
    ranges = [
        v["range_km"]
        for v in [*snapshot["vehicles"], *snapshot.get("candidates", [])]
        if v["type"] == "ev" and v.get("range_km")
    ]
    return min(ranges) * (1 - derating_pct / 100) if ranges else None


def ev_and_unserved(snapshot: dict, result: dict) -> tuple[float | None, list[dict]]:
    """The longest trip an EV drives in the proposal, and the longest unserved trips."""
    plan = result.get("plan") or {}
    kind_of = {u["vehicle"]: u["type"] for u in result.get("vehicles") or []}
    longest_ev = None
    unserved = []
    for row in snapshot["trips"]["rows"]:
        vehicle = plan.get(row[0], row[1])
        if row[0] in plan and vehicle is None:
            unserved.append(
                {
                    "start": datetime.fromisoformat(row[3]).astimezone(LOCAL_TZ),
                    "location": row[2],
                    "km": row[5],
                    "hours": (
                        datetime.fromisoformat(row[4]) - datetime.fromisoformat(row[3])
                    ).total_seconds()
                    / 3600,
                }
            )
        elif kind_of.get(vehicle) == "ev":
            longest_ev = max(longest_ev or 0.0, row[5])
    unserved.sort(key=lambda t: -t["km"])
    return longest_ev, unserved[:10]


def vehicle_data(snapshot: dict, summary: dict) -> list[VehicleDataRow]:
    """Every vehicle group the analysis priced: the register's data are assumptions too."""
    by_id = {v["vehicle_id"]: v for v in snapshot["vehicles"]}
    candidates = {c["model_id"]: c for c in snapshot.get("candidates", [])}
    rows = []
    for line in summary["fleet"]:
        source = next((by_id[v] for v in line.get("vehicle_ids", []) if v in by_id), None)
        if source is None:
            source = next((c for mid, c in candidates.items() if mid in line["group"]), {})
        if source.get("wh_per_km"):
            consumption = f"{_plain(source['wh_per_km'])} Wh/km"
        elif source.get("km_per_litre"):
            consumption = f"{_plain(source['km_per_litre'])} km/l"
        else:
            consumption = "–"
        rows.append(
            VehicleDataRow(
                label=short_label(line),
                location=line["pool"],
                kind=vehicle_kind(line["type"], line["fuel"]),
                count=line["current_count"],
                yearly_cost_dkk=line["yearly_cost_dkk"],
                consumption=consumption,
                range_km=source.get("range_km"),
                candidate=line.get("candidate", False),
            )
        )
    return rows


def named_usage(summary: dict, usage: list[dict]) -> list[dict]:
    """Per-vehicle use with a readable name: 'Rådhuset/Kia e-Niro electricity 68000#3' ->
    'Kia e-Niro nr. 3' (the engine's id says group and number, not what a reader knows)."""
    label_of = {line["group"]: short_label(line) for line in summary["fleet"]}
    named = []
    for vehicle in usage:
        number = vehicle["vehicle"].rpartition("#")[2]
        label = label_of.get(vehicle["group"], vehicle["vehicle"].split("/", 1)[-1])
        name = f"{label} nr. {number}" if number.isdigit() else label
        order = (vehicle["pool"], label, int(number) if number.isdigit() else 0)
        named.append({**vehicle, "display_name": name, "_order": order})
    return sorted(named, key=lambda v: v["_order"])


def _plain(value: float) -> str:
    # Imported here: reports.texts imports this module for the vehicle names.
    from reports.texts import plain_number

    return plain_number(value)


COMPARISON_KEYS = ("as_driven", "replanned", "proposal")
EFFECT_KEYS = ("planning", "fleet_change", "total")
REPORTABLE_STATES = ("optimal", "feasible")


def not_reportable_reason(scenario: Scenario, run: ScenarioRun | None) -> str | None:
    """Why no report may be made from this run (Danish), or None when it may.

    Only a run with a valid plan ("finished") that compares the proposal with today's fleet
    re-planned the same way may go to a committee. Runs stored before that comparison
    existed are refused: their figures mix the planning effect into the fleet decision.
    """
    name = scenario.name
    summary = (run.summary or {}) if run is not None else {}
    state = summary.get("state")
    message = (summary.get("state_message") or "").strip()
    message = f" {message}" if message else ""
    if run is None or run.status in ("queued", "running"):
        return f"Scenariet '{name}' har intet færdigt resultat endnu."
    if run.status == "unreachable" or state == "unreachable":
        return (
            f"Scenariet '{name}' kan ikke nå sit mål, så der kan ikke laves en rapport ud fra "
            f"det.{message} Ret målet eller budgettet, og kør scenariet igen."
        )
    if run.status == "failed" or state == "failed":
        return (
            f"Scenariet '{name}' har ingen gyldig plan, så der kan ikke laves en rapport ud "
            f"fra det.{message}"
        )
    if run.status != "finished":
        return f"Scenariet '{name}' har intet færdigt resultat."
    comparison, effects = summary.get("comparison"), summary.get("effects")
    if (
        state not in REPORTABLE_STATES
        or not isinstance(comparison, dict)
        or not all(comparison.get(k) for k in COMPARISON_KEYS)
        or not isinstance(effects, dict)
        or not all(effects.get(k) for k in EFFECT_KEYS)
    ):
        return (
            f"Scenariet '{name}' er beregnet med en tidligere version, som ikke sammenligner "
            "forslaget med dagens flåde planlagt på samme måde. Kør scenariet igen, og lav "
            "derefter rapporten."
        )
    return None


def decision_date_of(scenario: Scenario, parameters: dict) -> date:
    """The decision date for leases, as the scenario ran: the planner's date if set, else
    the date the engine used (the period's last day, see app/scenarios/inputs.py)."""
    chosen = (scenario.setup or {}).get("overrides", {}).get("_decision_date") or parameters.get(
        "decision_date"
    )
    return date.fromisoformat(str(chosen)) if chosen else scenario.period_end


def scenario_facts(scenario: Scenario, run: ScenarioRun) -> ScenarioFacts:
    """The report's figures; ReportError when the run may not go into a report."""
    reason = not_reportable_reason(scenario, run)
    if reason:
        from reports.builder import ReportError  # reports.builder imports this module

        raise ReportError(reason)
    summary = run.summary
    snapshot = scenario.snapshot or {"vehicles": [], "trips": {"rows": []}, "candidates": []}
    result = run.result or {}
    parameters = summary["parameters"]
    longest_ev, unserved = ev_and_unserved(snapshot, result)
    decision = decision_date_of(scenario, parameters)
    comparison = summary["comparison"]
    return ScenarioFacts(
        scenario=scenario,
        run=run,
        summary=summary,
        baseline=comparison["as_driven"],
        totals=comparison["proposal"],
        replanned=comparison["replanned"],
        effects=summary["effects"],
        target=summary.get("target"),
        state=summary["state"],
        state_message=summary.get("state_message") or "",
        gap=summary.get("gap"),
        pools=pool_facts(summary, snapshot["vehicles"], decision),
        usage=usage_facts(snapshot, summary),
        period_days=(scenario.period_end - scenario.period_start).days + 1,
        trips=len(snapshot["trips"]["rows"]),
        km=sum(row[5] for row in snapshot["trips"]["rows"]),
        excluded_vehicles=scenario.snapshot_summary.get("excluded_vehicles", []),
        excluded_trips=scenario.snapshot_summary.get("excluded_trips", 0),
        included_vehicles=len(snapshot["vehicles"]),
        decision_date=decision,
        longest_ev_trip_km=longest_ev,
        shortest_ev_winter_range_km=_ev_ranges(
            snapshot, parameters.get("ev", {}).get("winter_derating_pct", 30)
        ),
        unserved_longest=unserved,
        vehicle_data=vehicle_data(snapshot, summary),
        vehicle_usage=named_usage(summary, result.get("vehicles") or []),
    )


@dataclass
class SensitivityRow:
    label: str
    today_dkk: float
    proposal_dkk: float

    @property
    def saving_dkk(self) -> float:
        return self.today_dkk - self.proposal_dkk


def sensitivity(facts: ScenarioFacts) -> list[SensitivityRow]:
    """Yearly cost of today's fleet re-planned and of the proposal if prices move.

    Like for like: both plan the trips the same way, so the difference is the fleet
    decision's saving. Energy and mileage allowance scale linearly with their price, so no
    new engine run is needed to show how robust the saving is.
    """
    base, new = facts.replanned, facts.totals

    def row(label: str, energy: float = 1.0, allowance: float = 1.0, fixed: float = 1.0):
        def cost(t: dict) -> float:
            return (
                t["fixed_dkk"] * fixed + t["energy_dkk"] * energy + t["allowance_dkk"] * allowance
            )

        return SensitivityRow(label, cost(base), cost(new))

    return [
        row("Som forudsat"),
        row("Energipriser 20 % højere", energy=1.2),
        row("Energipriser 20 % lavere", energy=0.8),
        row("Kørselsgodtgørelse 10 % højere", allowance=1.1),
        row("Faste udgifter pr. køretøj 10 % højere", fixed=1.1),
    ]


def comparison_rows(
    facts: ScenarioFacts, alternatives: list[ScenarioFacts], include_baseline: bool
) -> list[ComparisonRow]:
    """Status quo (as driven and re-planned), the recommendation, chosen scenarios and the
    run's own alternatives."""
    rows = []
    if include_baseline:
        rows.append(ComparisonRow(AS_DRIVEN_LABEL, "baseline", facts.baseline, basis="as_driven"))
        rows.append(ComparisonRow(REPLANNED_LABEL, "baseline", facts.replanned, basis="replanned"))
    rows.append(ComparisonRow(f"Anbefalet: {facts.scenario.name}", "recommended", facts.totals))
    rows += [ComparisonRow(a.scenario.name, "scenario", a.totals) for a in alternatives]
    rows += [
        ComparisonRow(f"{facts.scenario.name}, {a['label']}", "alternative", a["totals"])
        for a in facts.summary.get("alternatives", [])
    ]
    candidates = [r for r in rows if r.kind != "baseline"]
    if len(candidates) > 1:
        greenest = min(candidates, key=lambda r: (r.totals["co2e_t"], r.totals["yearly_cost_dkk"]))
        greenest.most_ambitious = True
    return rows
