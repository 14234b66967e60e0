"""Scenario downloads: the XLSX workbook (summary, fleet, vehicles, plan, unserved,
parameters) and the driving plan as CSV. Cells that a spreadsheet would execute as a
formula are neutralised."""

from __future__ import annotations

import io
from collections.abc import Iterator

from app.data.exports import csv_stream, write_sheet
from app.models.scenarios import Scenario, ScenarioRun
from app.parameters.catalogue import BY_KEY
from app.scenarios.results import _local, comparison_rows, fleet_changes

PLAN_HEADERS = [
    "Rundtur",
    "Lokation",
    "Start",
    "Slut",
    "Km",
    "Køretøj i dag",
    "Køretøj i scenariet",
]
OWN_CAR = "Egen bil (uløst)"


def plan_rows(snapshot: dict, result: dict, only_unserved: bool = False) -> Iterator[list]:
    """Trip, place, time, km, today's vehicle and the scenario's (from plain data, so a
    streamed response can keep iterating after the request's database session is gone)."""
    plan = result["plan"]
    for row in snapshot["trips"]["rows"]:
        assigned = plan.get(row[0])
        if only_unserved and assigned is not None:
            continue
        yield [
            row[0],
            row[2],
            _local(row[3]),
            _local(row[4]),
            row[5],
            row[1],
            assigned or OWN_CAR,
        ]


def plan_csv(scenario: Scenario, run: ScenarioRun) -> Iterator[str]:
    return csv_stream(PLAN_HEADERS, plan_rows(scenario.snapshot, run.result))


def _flatten(prefix: str, value, out: list[list]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else key, inner, out)
    else:
        out.append([prefix, value if not isinstance(value, list) else str(value)])


def workbook_bytes(scenario: Scenario, run: ScenarioRun) -> bytes:
    from openpyxl import Workbook

    summary, result, snapshot = run.summary, run.result, scenario.snapshot
    workbook = Workbook(write_only=True)
    facts = [
        ["Scenarie", scenario.name],
        ["Type", scenario.kind_label],
        ["Periode", f"{scenario.period_start:%d-%m-%Y} - {scenario.period_end:%d-%m-%Y}"],
        ["Lokationer", ", ".join(scenario.location_names)],
        ["Fælles flåde", "ja" if scenario.pooled else "nej"],
        ["Udfald", run.state_label],
        ["Forklaring", summary.get("state_message", "")],
        ["Afstand til optimum (gap)", summary.get("gap")],
    ]
    if run.state == "feasible":
        facts.insert(0, [f"BEMÆRK: ikke bevist optimal. {summary.get('state_message', '')}"])
    rows = comparison_rows(summary)
    if rows:
        facts += [
            [],
            ["Nøgletal", "I dag, som kørt", "I dag, omplanlagt", "Forslag",
             "Effekt af planlægning", "Effekt af flådeændringen"],
        ]  # fmt: skip
        facts += [
            [r["label"], r["as_driven"], r["replanned"], r["proposal"], r["planning"],
             r["fleet_change"]]
            for r in rows
        ]  # fmt: skip
        facts.append(
            ["Effekt af flådeændringen er beslutningens effekt (forslag mod dagens flåde"
             " omplanlagt efter de samme regler). Effekt af planlægning kræver fælles booking"
             " af dagens flåde og må ikke tilskrives flådeændringen."]
        )  # fmt: skip
        comparison = summary["comparison"]
        facts += [
            [],
            ["Omkostningsdele (kr./år)", "I dag, som kørt", "I dag, omplanlagt", "Forslag"],
        ]
        for key, label in [
            ("fixed_dkk", "Faste udgifter"),
            ("energy_dkk", "Energi"),
            ("allowance_dkk", "Kørselsgodtgørelse"),
            ("unserved_penalty_dkk", "Strafomkostning (kun i optimeringen)"),
        ]:
            facts.append(
                [label, comparison["as_driven"][key], comparison["replanned"][key],
                 comparison["proposal"][key]]
            )  # fmt: skip
    target = summary.get("target")
    if target:
        facts += [[], ["Mål", "CO2e" if target["kind"] == "co2e" else "Budget"]]
        facts += [
            ["Grænse", target["limit"], "t CO2e/år" if target["kind"] == "co2e" else "kr./år"],
            ["Nået", "ja" if target["met"] else "nej"],
        ]
        if "from_planning" in target:
            facts += [
                ["Reduktion fra planlægning", target["from_planning"]],
                ["Reduktion fra flådeændringen", target["from_fleet_change"]],
            ]
    alternatives = summary.get("alternatives") or []
    if alternatives or summary.get("alternatives_note"):
        facts += [[], ["Alternativer", "Køretøjer", "Kr./år", "t CO2e/år", "Uløste ture"]]
        facts += [
            [a["label"], a["totals"]["vehicles"], a["totals"]["yearly_cost_dkk"],
             a["totals"]["co2e_t"], a["totals"]["unserved_trips"]]
            for a in alternatives
        ]  # fmt: skip
        if not alternatives:
            facts.append([summary["alternatives_note"]])
    write_sheet(workbook, "Resumé", ["Emne", "Værdi"], facts)
    write_sheet(
        workbook,
        "Flådeændring",
        ["Pulje", "Gruppe", "Type", "Brændstof", "I dag", "Scenarie", "Ændring", "Kr./år pr. stk."],
        (
            [r["pool"], r["label"], r["type"], r["fuel"], r["current_count"], r["count"],
             r["change"], r["yearly_cost_dkk"]]
            for r in fleet_changes(summary)
        ),
    )  # fmt: skip
    write_sheet(
        workbook,
        "Køretøjer",
        ["Køretøj", "Pulje", "Type", "Ture", "Km i perioden", "Km pr. år", "Udnyttelse %",
         "CO2e t/år", "Faste kr./år", "Energi kr./år", "I alt kr./år"],
        (
            [v["vehicle"], v["pool"], v["type"], v["trips"], v["km"], v["km_per_year"],
             v["utilisation_pct"], v["co2e_t"], v["fixed_dkk"], v["energy_dkk"], v["total_dkk"]]
            for v in result.get("vehicles", [])
        ),
    )  # fmt: skip
    write_sheet(workbook, "Køreplan", PLAN_HEADERS, plan_rows(snapshot, result))
    write_sheet(
        workbook, "Uløste ture", PLAN_HEADERS, plan_rows(snapshot, result, only_unserved=True)
    )
    flat: list[list] = []
    _flatten("", summary["parameters"], flat)
    parameters = []
    for key, value in flat:
        spec = BY_KEY.get(key)
        parameters.append(
            [key, spec.label if spec else "", value, spec.unit if spec else "",
             spec.source if spec else "", spec.year if spec else ""]
        )  # fmt: skip
    write_sheet(
        workbook, "Parametre", ["Nøgle", "Parameter", "Værdi", "Enhed", "Kilde", "År"], parameters
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
