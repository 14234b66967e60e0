"""Command line: `python -m app.engine baseline|simulate|optimise --trips ... --vehicles ...`.

Writes the result JSON to --out (or stdout) and a one-line summary to stderr. Bad input
exits with status 2 and a message naming file, row and problem.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.engine.errors import EngineError
from app.engine.io import (
    read_candidates,
    read_counts,
    read_parameters,
    read_trips,
    read_vehicles,
    result_to_json,
)
from app.engine.operations import baseline, optimise, simulate
from app.engine.types import Problem


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.engine",
        description="FleetOptimiser engine: today's fleet, a given fleet, or the optimal fleet.",
    )
    parser.add_argument("operation", choices=("baseline", "simulate", "optimise"))
    parser.add_argument("--trips", required=True, type=Path, help="round trips (CSV)")
    parser.add_argument("--vehicles", required=True, type=Path, help="today's vehicles (CSV)")
    parser.add_argument("--candidates", type=Path, help="models that may be added (CSV)")
    parser.add_argument("--fleet", type=Path, help="counts per pool and group (CSV, simulate)")
    parser.add_argument("--parameters", type=Path, help="parameters (JSON)")
    parser.add_argument("--out", type=Path, help="result JSON file (default: stdout)")
    parser.add_argument(
        "--co2-target-pct", type=float, help="optimise: at least this %% less CO2e than today"
    )
    parser.add_argument(
        "--budget-dkk", type=float, help="optimise: yearly cost cap; lowest CO2e within it"
    )
    parser.add_argument(
        "--no-alternatives", action="store_true", help="optimise: skip the CO2-price ladder"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        parameters = read_parameters(args.parameters)
        problem = Problem(
            trips=read_trips(args.trips),
            vehicles=read_vehicles(args.vehicles),
            candidates=read_candidates(args.candidates) if args.candidates else [],
            parameters=parameters,
        )
        if args.operation == "baseline":
            result = baseline(problem)
        elif args.operation == "simulate":
            if args.fleet is None:
                raise EngineError("simulate kræver --fleet (antal pr. pulje og gruppe)")
            result = simulate(problem, read_counts(args.fleet))
        else:
            result = optimise(
                problem,
                co2_target_pct=args.co2_target_pct,
                budget_dkk=args.budget_dkk,
                alternatives=not args.no_alternatives,
            )
    except EngineError as error:
        print(f"fejl: {error}", file=sys.stderr)
        return 2
    text = result_to_json(result)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    t = result.totals
    print(
        f"{result.operation}: {result.status}; {t.vehicles} køretøjer, "
        f"{t.yearly_cost_dkk:,.0f} kr./år, {t.co2e_t:.2f} t CO2e/år, "
        f"{t.unserved_trips} ture i egen bil" + (f"; {result.message}" if result.message else ""),
        file=sys.stderr,
    )
    return 0 if result.status in ("optimal", "feasible") else 1


if __name__ == "__main__":
    sys.exit(main())
