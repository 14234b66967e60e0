"""The engine's command line on the M benchmark data (not a timed test).

    python benchmarks/engine_cli.py [--size M] [--seed 1] [--timeout 900] [--keep DIR]
                                    [--no-append]

Writes the seeded synthetic data as the CLI's input files
(`python -m app.engine.synthetic M --seed 1 --out DIR`: trips.csv, vehicles.csv,
candidates.csv, parameters.json and counts.csv = today's fleet), then runs, each as its own
subprocess with `--out`:

    python -m app.engine baseline ...
    python -m app.engine simulate ... --fleet counts.csv
    python -m app.engine optimise ... --no-alternatives

and measures each one's wall time (interpreter start, reading the files, the operation and
writing the JSON). It checks the exit code, reads status, gap, totals, vehicles and unserved
trips from the JSON, and runs the independent validator (`app.engine.validate`) on every
result: the validator takes a `Result` object, so the JSON is turned back into one with
`app.engine.export.result_from_dict` and checked against the problem read from the same
files with the CLI's own readers (`app.engine.io`). No operation is re-run in-process.
A Markdown table is printed and a dated section appended to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import describe, fmt_gap, fmt_s, load_average, run_in_own_group

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
OPERATIONS = ("baseline", "simulate", "optimise")


def run_timed(command: list[str], timeout_s: float | None) -> tuple[int | None, float, str]:
    """(exit code or None on timeout, wall seconds, stderr)."""
    code, _, stderr, wall_s = run_in_own_group(command, ROOT, timeout_s)
    return code, wall_s, stderr


def cli_command(operation: str, data: Path, out: Path) -> list[str]:
    command = [sys.executable, "-m", "app.engine", operation]
    for option, name in (
        ("--trips", "trips.csv"),
        ("--vehicles", "vehicles.csv"),
        ("--candidates", "candidates.csv"),
        ("--parameters", "parameters.json"),
    ):
        command += [option, str(data / name)]
    if operation == "simulate":
        command += ["--fleet", str(data / "counts.csv")]
    if operation == "optimise":
        command.append("--no-alternatives")
    return [*command, "--out", str(out)]


def read_problem(data: Path):
    from app.engine.io import read_candidates, read_parameters, read_trips, read_vehicles
    from app.engine.types import Problem

    return Problem(
        trips=read_trips(data / "trips.csv"),
        vehicles=read_vehicles(data / "vehicles.csv"),
        candidates=read_candidates(data / "candidates.csv"),
        parameters=read_parameters(data / "parameters.json"),
    )


def same_problem(read, generated) -> bool:
    """The files give back the generated problem (times as instants)."""
    trips_equal = len(read.trips) == len(generated.trips) and all(
        (a.trip_id, a.vehicle_id, a.location, a.distance_km, a.driving_minutes)
        == (b.trip_id, b.vehicle_id, b.location, b.distance_km, b.driving_minutes)
        and a.start.timestamp() == b.start.timestamp()
        and a.end.timestamp() == b.end.timestamp()
        for a, b in zip(read.trips, generated.trips, strict=False)
    )
    return (
        trips_equal
        and read.vehicles == generated.vehicles
        and read.candidates == generated.candidates
        and read.parameters == generated.parameters
    )


def run_operation(operation: str, data: Path, problem, timeout_s: float | None) -> dict:
    from app.engine.export import result_from_dict
    from app.engine.validate import validate

    out = data / f"result-{operation}.json"
    code, wall_s, stderr = run_timed(cli_command(operation, data, out), timeout_s)
    row: dict = {"operation": operation, "exit": code, "wall_s": wall_s}
    row["summary"] = (stderr.strip().splitlines() or [""])[-1]
    if code is None:
        row["error"] = f"not finished within the {timeout_s:g} s timeout; stopped"
        return row
    if not out.exists():
        row["error"] = f"exit {code}, no result file: {row['summary']}"
        return row
    data_json = json.loads(out.read_text(encoding="utf-8"))
    totals = data_json["totals"]
    row.update(
        status=data_json["status"],
        message=data_json.get("message", ""),
        gap=data_json.get("gap"),
        solve_wall_s=(data_json.get("timings_s") or {}).get("solve_wall"),
        yearly_cost_dkk=totals["yearly_cost_dkk"],
        co2e_t=totals["co2e_t"],
        vehicles=totals["vehicles"],
        trips=totals["trips"],
        unserved=totals["unserved_trips"],
        vehicle_rows=len(data_json.get("vehicles") or []),
    )
    started = time.perf_counter()
    row["violations"] = validate(problem, result_from_dict(data_json))
    row["validate_s"] = time.perf_counter() - started
    return row


# ---------------------------------------------------------------------------- report
def table(rows: list[dict]) -> list[str]:
    header = (
        "operation",
        "wall s",
        "exit",
        "status",
        "gap",
        "solve wall s",
        "yearly cost DKK",
        "CO2e t/yr",
        "vehicles",
        "trips",
        "unserved trips",
        "validate s",
        "validator",
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        if "error" in row:
            exit_code = "-" if row["exit"] is None else str(row["exit"])
            lines.append(
                f"| {row['operation']} | {fmt_s(row['wall_s'])} | {exit_code} | {row['error']} |"
            )
            continue
        violations = row["violations"]
        verdict = "valid" if not violations else f"{len(violations)} issues: {violations[0]}"
        cells = (
            row["operation"],
            fmt_s(row["wall_s"]),
            str(row["exit"]),
            row["status"],
            fmt_gap(row["gap"]),
            fmt_s(row["solve_wall_s"]),
            f"{row['yearly_cost_dkk']:,.0f}",
            f"{row['co2e_t']:.2f}",
            str(row["vehicles"]),
            str(row["trips"]),
            str(row["unserved"]),
            fmt_s(row["validate_s"]),
            verdict,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def append_results(lines: list[str]) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else ""
    separator = (
        "" if text.endswith("\n\n") or not text else ("\n" if text.endswith("\n") else "\n\n")
    )
    with RESULTS.open("a") as fh:
        fh.write(separator + "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="M", type=str.upper, help="S, M or L (default M)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per operation")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--no-append", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from app.engine.synthetic import generate

    load_start = load_average()
    with tempfile.TemporaryDirectory(prefix="engine_cli_") as scratch:
        data = args.keep or Path(scratch)
        print(f"writing {args.size} seed {args.seed} to {data} ...", file=sys.stderr, flush=True)
        write = [sys.executable, "-m", "app.engine.synthetic", args.size]
        code, write_s, stderr = run_timed(
            [*write, "--seed", str(args.seed), "--out", str(data)], args.timeout
        )
        if code != 0:
            print(f"writing the files failed (exit {code}): {stderr.strip()}", file=sys.stderr)
            return 1
        sizes_mb = sum(p.stat().st_size for p in data.iterdir()) / 1e6
        problem = read_problem(data)
        identical = same_problem(problem, generate(args.size, seed=args.seed))
        rows = []
        for operation in OPERATIONS:
            print(f"running {operation} ...", file=sys.stderr, flush=True)
            rows.append(run_operation(operation, data, problem, args.timeout))

    ok = all("error" not in r and r["exit"] == 0 and not r["violations"] for r in rows)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = [
        f"## Engine CLI ({when}, benchmarks/engine_cli.py): size {args.size}, seed {args.seed}",
        "",
        f"Machine: {describe(ROOT, load_start)}.",
        f"Input: `python -m app.engine.synthetic {args.size} --seed {args.seed} --out DIR`"
        f" ({write_s:.1f} s; {len(problem.trips)} trips, {len(problem.vehicles)} vehicles,"
        f" {len(problem.candidates)} candidates; {sizes_mb:.1f} MB of files); read back with"
        f" the CLI's readers: {'equal to' if identical else 'DIFFERENT from'} the generated"
        " problem. Each operation is one `python -m app.engine ... --out result.json`"
        " subprocess (simulate: `--fleet counts.csv` = today's fleet; optimise:"
        " `--no-alternatives`); wall s covers interpreter start, reading the files, the"
        " operation and writing the JSON. The validator checks the result rebuilt from the"
        " JSON (`app.engine.export.result_from_dict`) against the problem read from the files.",
        "",
        *table(rows),
        "",
        f"- All three operations exit 0 and the validator passes on every output:"
        f" **{'yes' if ok else 'NO'}**",
        "",
    ]
    print("\n".join(section))
    if not args.no_append:
        append_results(section)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
