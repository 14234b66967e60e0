"""Scenario downloads: the XLSX workbook (summary, fleet, vehicles, plan, unserved,
parameters) and the driving plan as CSV. Cells that a spreadsheet would execute as a
formula are neutralised."""

from __future__ import annotations

import io
from collections.abc import Iterator

from app.data.exports import csv_stream, write_sheet
from app.models.scenarios import Scenario, ScenarioRun
from app.parameters.catalogue import BY_KEY
from app.scenarios.results import _local, fleet_changes, kpis

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
        ["Status", summary["status"]],
        ["Afstand til optimum (gap)", summary.get("gap")],
        [],
        ["Nøgletal", "I dag", "Scenarie", "Ændring", "Ændring %", "Enhed"],
    ]
    for k in kpis(summary):
        facts.append([k.label, k.today, k.scenario, k.change, k.change_pct, k.unit])
    totals, base = summary["totals"], summary["baseline"] or summary["totals"]
    facts += [[], ["Omkostningsdele (kr./år)", "I dag", "Scenarie"]]
    for key, label in [
        ("fixed_dkk", "Faste udgifter"),
        ("energy_dkk", "Energi"),
        ("allowance_dkk", "Kørselsgodtgørelse"),
        ("unserved_penalty_dkk", "Strafomkostning (kun i optimeringen)"),
    ]:
        facts.append([label, base[key], totals[key]])
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
