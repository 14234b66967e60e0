"""Like-for-like figures and target runs on the demo municipality (not a timed test).

    python benchmarks/trust.py [--locations "Hjemmeplejen Nord,Hjemmeplejen Syd"]
                               [--separate] [--no-append]

The demo municipality (seed 2026) is generated into a temporary SQLite database, and the
scenario snapshot of the chosen locations (pooled unless --separate) for the last year of
data is built exactly as the web does. Each case then runs in a fresh child process, the
engine as the scenario job calls it, with the job's solver time limit:

- simulate with today's counts (no change: the fleet-change effect must be exactly 0);
- optimise (alternatives on, as the page's default);
- optimise with a CO2e target of 30 % and of 60 % below today as driven;
- optimise with a budget of 70 % of today's cost as driven.

For each: wall time, the run's state as the job stores it (the independent validator runs on
every plan), the three columns (today as driven, today re-planned, proposal) of yearly cost,
CO2e and vehicles, the target's outcome, and the number of alternatives or the sentence why
there are none. A table is printed and a dated section appended to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from common import describe, fmt_gap, fmt_s, load_average, run_in_own_group

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
CASES = {
    "simulate, no change": {"kind": "simulate"},
    "optimise": {"kind": "optimise"},
    "CO2e -30 %": {"kind": "optimise", "co2_target_pct": 30.0},
    "CO2e -60 %": {"kind": "optimise", "co2_target_pct": 60.0},
    "budget 70 %": {"kind": "optimise", "budget_share": 0.7},
}


def build_snapshot(locations: list[str], pooled: bool, out: Path) -> None:
    """Demo data into a temporary database, then the scenario snapshot as the web builds it."""
    sys.path.insert(0, str(ROOT))
    os.environ["FLEET_INSTANCE_PATH"] = str(out.parent / "instance")
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ["FLEET_DEMO_DATA"] = "0"
    os.environ["REDIS_URL"] = "fakeredis://"
    from app import create_app
    from app.demo.service import load_demo_data
    from app.extensions import db
    from app.models import Location
    from app.scenarios.inputs import build_snapshot as snapshot_of
    from app.scenarios.inputs import default_period

    app = create_app()
    with app.app_context():
        db.create_all()
        load_demo_data(seed=2026)
        ids = db.session.scalars(select_ids(Location, locations)).all()
        if len(ids) != len(locations):
            raise SystemExit(f"unknown location among {locations}")
        start, end = default_period()
        snapshot = snapshot_of(start, end, list(ids), pooled, {}, {})
    out.write_text(json.dumps(snapshot))


def select_ids(model, names):
    from sqlalchemy import select

    return select(model.id).where(model.name.in_(names))


def run_case(snapshot_path: Path, case: str) -> dict:
    """In the child: the engine exactly as the scenario job calls it, then the job's state."""
    import time

    sys.path.insert(0, str(ROOT))
    from app.engine import FleetCount, baseline, optimise, simulate
    from app.engine.validate import validate
    from app.scenarios.inputs import problem_from_snapshot
    from app.scenarios.results import run_state, summarise

    spec = CASES[case]
    snapshot = json.loads(snapshot_path.read_text())
    snapshot["parameters"].setdefault("solver", {})["time_limit_s"] = 300.0
    problem = problem_from_snapshot(snapshot)
    today = baseline(problem)
    started = time.perf_counter()
    if spec["kind"] == "simulate":
        counts = [FleetCount(f.pool, f.group, f.current_count) for f in today.fleet]
        result = simulate(problem, counts)
    else:
        budget = None
        if "budget_share" in spec:
            budget = today.totals.yearly_cost_dkk * spec["budget_share"]
        result = optimise(problem, co2_target_pct=spec.get("co2_target_pct"), budget_dkk=budget)
    seconds = time.perf_counter() - started
    validated = time.perf_counter()
    problems = (
        validate(problem, result, check_bounds=spec["kind"] == "optimise")
        if result.status in ("optimal", "feasible")
        else []
    )
    validate_s = time.perf_counter() - validated
    state, message = run_state(result, problems)
    summary = summarise(result, state, message)
    return {
        "seconds": seconds,
        "validate_s": validate_s,
        "state": state,
        "message": message,
        "gap": summary["gap"],
        "trips": len(problem.trips),
        "comparison": summary["comparison"],
        "target": summary["target"],
        "alternatives": len(summary["alternatives"]),
        "alternatives_note": summary["alternatives_note"],
    }


def column(summary: dict, key: str, decimals: int) -> str:
    comparison = summary["comparison"]
    if not comparison:
        return "-"
    values = [comparison[c][key] for c in ("as_driven", "replanned", "proposal")]
    return " / ".join(f"{v:,.{decimals}f}" for v in values)


def target_text(out: dict) -> str:
    target = out["target"]
    if not target:
        return "-"
    if not target["met"]:
        reach = target.get("reachable")
        return f"not met; reachable {reach:,.1f}" if reach is not None else "not met"
    if target["kind"] == "co2e":
        return (
            f"met; limit {target['limit']:.1f} t; from planning"
            f" {target['from_planning']:.1f} t, from fleet change"
            f" {target['from_fleet_change']:.1f} t"
        )
    return f"met; limit {target['limit']:,.0f} kr."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--locations", default="Hjemmeplejen Nord,Hjemmeplejen Syd")
    parser.add_argument("--separate", action="store_true")
    parser.add_argument("--no-append", action="store_true")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(Path(args.snapshot), args.case)))
        return 0
    locations = [n.strip() for n in args.locations.split(",") if n.strip()]
    load_at_start = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = Path(tmp) / "snapshot.json"
        build = (
            "import sys; sys.path.insert(0, 'benchmarks'); import trust, pathlib;"
            f" trust.build_snapshot({locations!r}, {not args.separate},"
            f" pathlib.Path({str(snapshot)!r}))"
        )
        code, _, err, _ = run_in_own_group([sys.executable, "-c", build], ROOT, 600)
        if code != 0:
            print(err, file=sys.stderr)
            return 1
        rows = []
        for case in CASES:
            code, out, err, wall = run_in_own_group(
                [sys.executable, __file__, "--snapshot", str(snapshot), "--case", case], ROOT, 900
            )
            if code != 0:
                print(f"{case}: failed\n{err}", file=sys.stderr)
                rows.append((case, None, wall))
                continue
            rows.append((case, json.loads(out.strip().splitlines()[-1]), wall))
    header = (
        "| case | engine s | validate s | state | gap | cost kr./yr (as driven / re-planned /"
        " proposal) | CO2e t/yr | vehicles | target | alternatives |"
    )
    lines = [header, "|" + "---|" * 10]
    for case, out, wall in rows:
        if out is None:
            lines.append(f"| {case} | failed after {wall:.0f} s | | | | | | | | |")
            continue
        alternatives = str(out["alternatives"]) if out["alternatives"] else out["alternatives_note"]
        lines.append(
            f"| {case} | {fmt_s(out['seconds'])} | {fmt_s(out['validate_s'])} | {out['state']}"
            f" | {fmt_gap(out['gap'])} | {column(out, 'yearly_cost_dkk', 0)}"
            f" | {column(out, 'co2e_t', 1)} | {column(out, 'vehicles', 0)}"
            f" | {target_text(out)} | {alternatives or '-'} |"
        )
    trips = next((out["trips"] for _, out, _ in rows if out), 0)
    section = [
        f"## Like for like on the demo municipality ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC,"
        " benchmarks/trust.py)",
        "",
        f"Machine: {describe(ROOT, load_at_start)}.",
        f"Scope: {', '.join(locations)} ({'separate fleets' if args.separate else 'pooled'}),"
        f" the last year of demo data, {trips} round trips; solver limit 300 s as in the job.",
        "",
        *lines,
        "",
    ]
    print("\n".join(section))
    if not args.no_append:
        with RESULTS.open("a", encoding="utf-8") as results:
            results.write("\n" + "\n".join(section))
    return 0 if all(out is not None for _, out, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
