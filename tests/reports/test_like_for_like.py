"""Like-for-like effects without a database: the fleet decision against today's fleet
re-planned, the planning effect on its own, refusals, the proof notice and lease binding.

The summaries are built by hand in the shape the scenario job stores (see the data
contract in app/scenarios/jobs.py): comparison, effects, state and target.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from reports.builder import ReportError
from reports.facts import (
    RemovedGroup,
    decision_date_of,
    not_reportable_reason,
    pool_facts,
    scenario_facts,
    sensitivity,
)
from reports.texts import draft_indstilling, draft_resume, gap_text

EFFECT_KEYS = ("yearly_cost_dkk", "co2e_t", "co2e_value_dkk", "vehicles", "unserved_trips")


def totals(cost: float, co2: float, vehicles: int, unserved: int = 0) -> dict:
    return {
        "yearly_cost_dkk": cost,
        "fixed_dkk": round(cost * 0.6, 2),
        "energy_dkk": round(cost * 0.3, 2),
        "allowance_dkk": round(cost * 0.1, 2),
        "co2e_t": co2,
        "co2e_value_dkk": co2 * 1500,
        "unserved_penalty_dkk": 0.0,
        "vehicles": vehicles,
        "trips": 315,
        "served_km": 5000.0,
        "unserved_trips": unserved,
        "unserved_km": 0.0,
    }


def diff(a: dict, b: dict) -> dict:
    return {k: b[k] - a[k] for k in EFFECT_KEYS}


def fleet_line(count: int, current: int, ids: list[str]) -> dict:
    return {
        "pool": "Rådhuset",
        "group": "Rådhuset/Toyota Yaris petrol 40000",
        "label": "Toyota Yaris (Rådhuset)",
        "type": "fossil",
        "fuel": "petrol",
        "count": count,
        "current_count": current,
        "vehicle_ids": ids,
        "yearly_cost_dkk": 40000.0,
    }


def make_run(
    as_driven: dict,
    replanned: dict,
    proposal: dict,
    fleet: list[dict],
    *,
    status: str = "finished",
    state: str = "optimal",
    gap: float | None = 0.0,
    target: dict | None = None,
    decision: str | None = "2026-10-21",
    overrides: dict | None = None,
    lease_ends: dict | None = None,
):
    summary = {
        "status": "optimal" if state == "optimal" else "time_limit",
        "message": "",
        "gap": gap,
        "state": state,
        "state_message": "",
        "totals": proposal,
        "baseline": as_driven,
        "comparison": {"as_driven": as_driven, "replanned": replanned, "proposal": proposal},
        "effects": {
            "planning": diff(as_driven, replanned),
            "fleet_change": diff(replanned, proposal),
            "total": diff(as_driven, proposal),
        },
        "target": target,
        "fleet": fleet,
        "alternatives": [],
        "warnings": [],
        "parameters": {
            "period": {"start": "2026-10-01", "end": "2026-10-21"},
            "decision_date": decision,
            "ev": {"winter_derating_pct": 30},
        },
        "charts": {},
    }
    vehicles = [
        {
            "vehicle_id": vid,
            "location": "Rådhuset",
            "type": "fossil",
            "lease_end": end,
            "range_km": None,
        }
        for vid, end in (lease_ends or {}).items()
    ]
    trip = ["t1", "v1", "Rådhuset", "2026-10-01T08:00:00+00:00", "2026-10-01T09:00:00+00:00", 10.0]
    scenario = SimpleNamespace(
        name="Forslag",
        kind="optimise",
        location_names=["Rådhuset"],
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 21),
        setup={"overrides": overrides or {}},
        snapshot={"vehicles": vehicles, "trips": {"rows": [trip] * 315}, "candidates": []},
        snapshot_summary={},
    )
    run = SimpleNamespace(status=status, summary=summary, result={}, finished_at=None)
    return scenario, run


AS_DRIVEN = totals(650_000.0, 12.0, 6)
REPLANNED = totals(600_000.0, 9.0, 6)
PROPOSAL = totals(560_000.0, 4.0, 4)
IDS = {f"v{n}": None for n in range(1, 7)}


def test_resume_states_the_fleet_effect_and_the_planning_effect_apart():
    facts = scenario_facts(*make_run(AS_DRIVEN, REPLANNED, PROPOSAL, [fleet_line(4, 6, [])]))
    text = draft_resume(facts)
    # The decision's own effect: proposal against today's fleet re-planned.
    assert (
        "Ændringen af flåden betyder i sig selv, at udgifterne falder med 40.000 kr. om året "
        "(6,7 %), og udledningen falder med 5,0 t CO2e om året (56 %), sammenlignet med "
        "dagens biler med samme planlægning af turene." in text
    )
    # The planning effect, with what it takes, and never as the fleet's.
    assert "fælles booking" not in text.split("Ændringen af flåden")[0]
    assert (
        "kan planlægningen give en gevinst, hvis dagens biler bookes i fællesskab på tværs af "
        "afdelinger, så en ledig bil bruges af den, der har brug for en: udgifterne falder med "
        "50.000 kr. om året (7,7 %), og udledningen falder med 3,0 t CO2e om året (25 %). "
        "Det kræver en fælles bookingpraksis og følger ikke af beslutningen om flåden." in text
    )
    # The as-driven-to-proposal difference (90.000 kr.) is only said as the sum of both.
    assert "falder med 90.000 kr." not in text
    assert (
        "Med både fælles booking og den nye flåde går udgifterne fra 650.000 kr. i dag til "
        "560.000 kr. om året og udledningen fra 12,0 til 4,0 t CO2e om året." in text
    )
    # No vehicle ids, so no lease binds the two cars that go.
    assert text.endswith(
        "Ingen leasingaftale binder de køretøjer, der udgår, så ændringen kan begynde med det "
        "samme. Forvaltningen anbefaler at bruge analysen som grundlag for dialog med de "
        "berørte medarbejdere."
    )

    points = draft_indstilling(facts).split("\n")
    assert points[1].startswith("at flåden på lokationen Rådhuset reduceres fra 6 til 4 biler")
    assert (
        "at det noteres, at ændringen af flåden i sig selv betyder, at udgifterne falder med "
        "40.000 kr. om året (6,7 %), og udledningen falder med 5,0 t CO2e om året (56 %), "
        "sammenlignet med dagens biler med samme planlægning af turene" in points
    )
    assert (
        "at forvaltningen arbejder for fælles booking af bilerne på tværs af afdelinger, så en "
        "ledig bil bruges af den, der har brug for en; med dagens biler giver det 50.000 kr. og "
        "3,0 t CO2e mindre om året, uafhængigt af beslutningen om flåden" in points
    )


def test_a_no_change_simulation_reads_as_no_effect_of_the_fleet_decision():
    # Today's fleet re-planned: the engine's plan is cheaper than the trips as driven, but
    # the fleet decision itself changes nothing.
    same = totals(600_000.0, 9.0, 6)
    scenario, run = make_run(AS_DRIVEN, REPLANNED, same, [fleet_line(6, 6, [])])
    scenario.kind = "simulate"
    facts = scenario_facts(scenario, run)
    assert facts.no_fleet_effect and facts.saving_dkk == 0 and facts.co2e_reduction_t == 0
    text = draft_resume(facts)
    assert "Forslaget beholder dagens flåde: 6 køretøjer (6 benzinbiler)." in text
    assert (
        "Beslutningen om flåden ændrer derfor i sig selv hverken udgifterne eller udledningen "
        "(0 kr. og 0,0 t CO2e om året)." in text
    )
    assert "udgifterne falder med 50.000 kr. om året (7,7 %)" in text  # planning, on its own
    assert "Analysen peger ikke på en ændring af flåden." in text
    assert "Med både fælles booking" not in text
    indstilling = draft_indstilling(facts)
    assert "at det noteres, at analysen ikke peger på en ændring af flåden" in indstilling
    assert "reduceres" not in indstilling
    assert "fælles booking" in indstilling


def test_no_planning_effect_is_said_plainly():
    facts = scenario_facts(*make_run(REPLANNED, REPLANNED, PROPOSAL, [fleet_line(4, 6, [])]))
    text = draft_resume(facts)
    assert "Fælles booking af dagens biler på tværs af afdelinger ville ikke ændre" in text
    assert "fælles booking" not in draft_indstilling(facts)


def test_sensitivity_compares_like_for_like():
    facts = scenario_facts(*make_run(AS_DRIVEN, REPLANNED, PROPOSAL, [fleet_line(4, 6, [])]))
    first = sensitivity(facts)[0]
    assert (first.today_dkk, first.proposal_dkk) == (600_000.0, 560_000.0)


@pytest.mark.parametrize(
    ("status", "state", "wanted"),
    [
        ("failed", "failed", "har ingen gyldig plan"),
        ("unreachable", "unreachable", "kan ikke nå sit mål"),
        ("running", None, "intet færdigt resultat endnu"),
        ("finished", "failed", "har ingen gyldig plan"),  # a state the status does not say
    ],
)
def test_runs_without_a_valid_plan_are_refused(status, state, wanted):
    scenario, run = make_run(AS_DRIVEN, REPLANNED, PROPOSAL, [fleet_line(4, 6, [])], status=status)
    run.summary["state"] = state
    run.summary["state_message"] = "Tidsgrænsen blev nået, før der var en plan."
    reason = not_reportable_reason(scenario, run)
    assert wanted in reason and "'Forslag'" in reason
    with pytest.raises(ReportError, match=wanted):
        scenario_facts(scenario, run)
    assert not_reportable_reason(scenario, None).endswith("intet færdigt resultat endnu.")


@pytest.mark.parametrize("missing", ["comparison", "effects", "state"])
def test_runs_stored_before_the_comparison_are_refused(missing):
    scenario, run = make_run(AS_DRIVEN, REPLANNED, PROPOSAL, [fleet_line(4, 6, [])])
    del run.summary[missing]
    reason = not_reportable_reason(scenario, run)
    assert "Kør scenariet igen" in reason
    with pytest.raises(ReportError, match="Kør scenariet igen"):
        scenario_facts(scenario, run)


def test_a_feasible_run_is_allowed_and_carries_the_notice():
    scenario, run = make_run(
        AS_DRIVEN, REPLANNED, PROPOSAL, [fleet_line(4, 6, [])], state="feasible", gap=0.001
    )
    assert not_reportable_reason(scenario, run) is None
    facts = scenario_facts(scenario, run)
    assert facts.proof_notice == (
        "Resultatet er ikke bevist optimalt; afstanden til den bedste grænse er 0,1 %."
    )
    assert scenario_facts(*make_run(AS_DRIVEN, REPLANNED, PROPOSAL, [])).proof_notice is None
    assert gap_text(0.0123) == "1,23 %" and gap_text(None) == "ukendt"


def test_a_target_is_split_into_planning_and_fleet_change():
    target = {
        "kind": "co2e",
        "pct": 50.0,
        "limit": 6.0,
        "met": True,
        "reachable": 3.5,
        "from_planning": 3.0,
        "from_fleet_change": 5.0,
    }
    facts = scenario_facts(
        *make_run(AS_DRIVEN, REPLANNED, PROPOSAL, [fleet_line(4, 6, [])], target=target)
    )
    assert facts.target_text == (
        "Målet om at sænke udledningen med 50 % i forhold til i dag (højst 6,0 t CO2e om året) "
        "er nået: 3,0 t CO2e af reduktionen kommer fra fælles booking og 5,0 t CO2e fra "
        "ændringen af flåden."
    )
    budget = {**target, "kind": "budget", "pct": None, "limit": 580_000.0}
    budget.update(from_planning=50_000.0, from_fleet_change=40_000.0)
    facts = scenario_facts(
        *make_run(AS_DRIVEN, REPLANNED, PROPOSAL, [fleet_line(4, 6, [])], target=budget)
    )
    assert facts.target_text.startswith("Budgetloftet på 580.000 kr. om året er overholdt: ")
    assert "50.000 kr. af reduktionen kommer fra fælles booking" in facts.target_text


def test_only_leases_ending_after_the_decision_date_bind():
    decision = date(2026, 11, 1)
    group = RemovedGroup("Yaris", 3, [date(2025, 1, 31), date(2027, 3, 31), None], decision)
    assert group.bound_ends == [date(2027, 3, 31)] and group.free_now == 2
    assert group.lease_end_text == "31. marts 2027; 2 kan udgå med det samme"
    expired = RemovedGroup("Yaris", 2, [date(2026, 11, 1), date(2024, 5, 1)], decision)
    assert expired.bound_ends == []  # ending on the decision date binds nothing
    assert expired.lease_end_text == "Kan udgå med det samme (ingen leasingbinding)"
    two = RemovedGroup("Yaris", 2, [date(2028, 1, 31)] * 2, decision)
    assert two.lease_end_text == "31. januar 2028 (2)"


def test_the_vehicles_that_can_go_first_are_the_ones_removed():
    decision = date(2026, 10, 21)
    ends = {"v1": "2028-06-30", "v2": "2025-03-31", "v3": "2027-01-31", "v4": None}
    summary = {"fleet": [fleet_line(2, 4, list(ends))]}
    vehicles = [{"vehicle_id": k, "lease_end": v} for k, v in ends.items()]
    (pool,) = pool_facts(summary, vehicles, decision)
    (group,) = pool.removed
    # v2 (expired) and v4 (no end) go now; the bound ones are kept.
    assert group.count == 2 and group.bound_ends == [] and group.free_now == 2
    summary = {"fleet": [fleet_line(1, 4, list(ends))]}
    (group,) = pool_facts(summary, vehicles, decision)[0].removed
    assert group.lease_ends == [date(2025, 3, 31), None, date(2027, 1, 31)]
    assert group.bound_ends == [date(2027, 1, 31)]


def test_report_lease_table_uses_the_scenario_decision_date():
    ends = {"v1": "2026-12-31", "v2": "2027-06-30"}
    fleet = [fleet_line(0, 2, list(ends))]
    facts = scenario_facts(
        *make_run(AS_DRIVEN, REPLANNED, PROPOSAL, fleet, decision=None, lease_ends=ends)
    )
    assert facts.decision_date == date(2026, 10, 21)  # the period's last day
    assert facts.removed_bound == 2 and facts.last_bound_end == date(2027, 6, 30)
    facts = scenario_facts(
        *make_run(
            AS_DRIVEN,
            REPLANNED,
            PROPOSAL,
            fleet,
            overrides={"_decision_date": "2027-01-01"},
            lease_ends=ends,
        )
    )
    assert facts.decision_date == date(2027, 1, 1)
    assert facts.removed_bound == 1
    ((_, group),) = facts.removed
    assert group.lease_end_text == "30. juni 2027; 1 kan udgå med det samme"
    assert draft_resume(facts).endswith(
        "Forvaltningen anbefaler at gennemføre ændringen trinvis, når leasingaftalerne udløber, "
        "og at bruge analysen som grundlag for dialog med de berørte medarbejdere."
    )


def test_decision_date_as_the_scenario_ran():
    scenario = SimpleNamespace(setup={"overrides": {}}, period_end=date(2026, 10, 21))
    assert decision_date_of(scenario, {}) == date(2026, 10, 21)
    assert decision_date_of(scenario, {"decision_date": "2026-12-01"}) == date(2026, 12, 1)
    scenario.setup = {"overrides": {"_decision_date": "2027-02-01"}}
    assert decision_date_of(scenario, {"decision_date": "2026-12-01"}) == date(2027, 2, 1)
