"""Engine benchmark on seeded synthetic data (not a timed test).

    python benchmarks/engine.py [S M L] [--ops baseline,simulate,optimise] [--seed 1]
                                [--alternatives] [--no-append]

For each size and operation a fresh child process generates the data
(`app.engine.synthetic`), runs the operation once and reports: wall time per phase (from
`Result.timings_s`: data prep, model build, solve, plan), the operation's total wall time,
the peak resident memory of that process, status, gap, trips and vehicles. The independent
validator then checks the result. A table is printed and a dated section appended to
benchmarks/RESULTS.md.

Memory, two figures: (1) the peak of the process tree's summed RSS (the benchmark process
plus the worker processes the engine forks to solve pools in parallel), sampled every
0.1 s from /proc; shared copy-on-write pages count once per process, so this errs high;
(2) `resource.getrusage` `ru_maxrss` of the benchmark process itself (RUSAGE_SELF) and of
its largest finished worker (RUSAGE_CHILDREN), read right after the operation. Both include
the interpreter and the generated input data. tracemalloc is not used: it cannot see HiGHS's
native allocations.

`simulate` runs today's fleet (every current group at its current count, candidates 0); the
counts come from a `baseline` call made before the timed `simulate`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from common import describe, fmt_gap, fmt_s, run_in_own_group

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
PHASES = ("data_prep", "model_build", "solve", "plan")
OPERATIONS = ("baseline", "simulate", "optimise")

# (size, operation) -> (max seconds, max gap, max GB): the Engine issue's targets.
TARGETS: dict[tuple[str, str], tuple[float | None, float | None, float | None]] = {
    ("M", "optimise"): (30.0, 0.001, 2.0),
    ("M", "simulate"): (5.0, None, None),
    ("L", "optimise"): (600.0, None, 8.0),
}


class TreeRssSampler:
    """Samples the summed RSS of this process and all its descendants in a thread."""

    def __init__(self, interval_s: float = 0.1):
        self.interval_s = interval_s
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, self.sample())

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak_kb = max(self.peak_kb, self.sample())

    @staticmethod
    def sample() -> int:
        parent_of: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue  # the process ended meanwhile
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            parent_of[int(entry)] = int(fields.get("PPid", "0").strip())
            rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0])
        tree, frontier = {os.getpid()}, [os.getpid()]
        while frontier:
            current = frontier.pop()
            children = [pid for pid, parent in parent_of.items() if parent == current]
            tree.update(children)
            frontier += children
        return sum(rss.get(pid, 0) for pid in tree)


def run_one(size: str, operation: str, seed: int, alternatives: bool) -> dict:
    """In this (child) process: generate, run one operation, measure, validate."""
    sys.path.insert(0, str(ROOT))
    from app import engine
    from app.engine.synthetic import generate
    from app.engine.types import FleetCount
    from app.engine.validate import validate

    started = time.perf_counter()
    problem = generate(size, seed)
    generate_s = time.perf_counter() - started
    if operation == "simulate":
        today = engine.baseline(problem)
        counts = [FleetCount(line.pool, line.group, line.current_count) for line in today.fleet]
    started = time.perf_counter()
    with TreeRssSampler() as sampler:
        if operation == "baseline":
            result = engine.baseline(problem)
        elif operation == "simulate":
            result = engine.simulate(problem, counts)
        else:
            result = engine.optimise(problem, alternatives=alternatives)
    total_s = time.perf_counter() - started
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    worker_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    problems = validate(problem, result)
    validate_s = time.perf_counter() - started
    return {
        "size": size,
        "operation": operation,
        "generate_s": generate_s,
        "phases": {k: float(v) for k, v in result.timings_s.items()},
        "total_s": total_s,
        "peak_rss_mb": sampler.peak_kb / 1024,
        "self_rss_mb": self_kb / 1024,
        "worker_rss_mb": worker_kb / 1024,
        "status": result.status,
        "message": result.message,
        "gap": result.gap,
        "objective": result.objective,
        "trips": result.totals.trips,
        "unserved": result.totals.unserved_trips,
        "vehicles": result.totals.vehicles,
        "alternatives": len(result.alternatives),
        "validate_s": validate_s,
        "violations": problems,
    }


def run_in_child(
    size: str, operation: str, seed: int, alternatives: bool, timeout_s: float | None
) -> dict:
    command = [sys.executable, __file__, "--child", size, operation, "--seed", str(seed)]
    if alternatives:
        command.append("--alternatives")
    code, stdout, stderr, _ = run_in_own_group(command, ROOT, timeout_s)
    if code is None:
        error = f"not finished within the {timeout_s:g} s timeout; stopped"
        return {"size": size, "operation": operation, "status": "timeout", "error": error}
    done = subprocess.CompletedProcess(command, code, stdout, stderr)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"size": size, "operation": operation, "status": "crash", "error": " / ".join(tail)}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- report
def table(rows: list[dict]) -> list[str]:
    header = (
        "size",
        "operation",
        "generate s",
        "data prep s",
        "model build s",
        "solve s",
        "solve wall s",
        "plan s",
        "total s",
        "tree RSS MB",
        "own / worker maxrss MB",
        "status",
        "gap",
        "trips",
        "unserved",
        "vehicles",
        "validate s",
        "validator",
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        if row.get("status") in ("crash", "timeout"):
            lines.append(
                f"| {row['size']} | {row['operation']} | {row['status']}: {row['error']} |"
            )
            continue
        phases = row["phases"]
        violations = row["violations"]
        verdict = "valid" if not violations else f"{len(violations)} issues: {violations[0]}"
        cells = (
            row["size"],
            row["operation"],
            fmt_s(row["generate_s"]),
            *(fmt_s(phases.get(p)) for p in PHASES[:3]),
            fmt_s(phases.get("solve_wall")),
            fmt_s(phases.get("plan")),
            fmt_s(row["total_s"]),
            f"{row['peak_rss_mb']:.0f}",
            f"{row['self_rss_mb']:.0f} / {row['worker_rss_mb']:.0f}",
            row["status"],
            fmt_gap(row["gap"]),
            str(row["trips"]),
            str(row["unserved"]),
            str(row["vehicles"]),
            fmt_s(row["validate_s"]),
            verdict,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def target_lines(rows: list[dict]) -> list[str]:
    lines = []
    for row in rows:
        target = TARGETS.get((row["size"], row["operation"]))
        if target is None:
            continue
        if row.get("status") in ("crash", "timeout"):
            lines.append(f"- {row['size']} {row['operation']}: {row['error']}: **NOT met**")
            continue
        max_s, max_gap, max_gb = target
        parts, ok = [], True
        if max_s is not None:
            ok &= row["total_s"] <= max_s
            parts.append(f"time {row['total_s']:.1f} s (target <= {max_s:g} s)")
        if max_gap is not None:
            gap = row["gap"]
            ok &= gap is not None and gap <= max_gap
            parts.append(f"gap {fmt_gap(gap)} (target <= {max_gap * 100:g} %)")
        if max_gb is not None:
            gb = row["peak_rss_mb"] / 1024
            ok &= gb <= max_gb
            parts.append(f"peak tree RSS {gb:.2f} GB (target <= {max_gb:g} GB)")
        verdict = "met" if ok and not row["violations"] else "NOT met"
        lines.append(f"- {row['size']} {row['operation']}: {'; '.join(parts)}: **{verdict}**")
    return lines


def append_results(rows: list[dict], args: argparse.Namespace) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = [
        f"## Engine ({when}, benchmarks/engine.py): sizes {' '.join(args.sizes)}, seed {args.seed}",
        "",
        f"Machine: {describe(ROOT)}."
        f" Optimise alternatives: {'on' if args.alternatives else 'off'}.",
        "Tree RSS: sampled peak of the summed RSS of the benchmark process and the engine's"
        " worker processes (errs high: shared pages count per process). Own / worker maxrss:"
        " `ru_maxrss` of the benchmark process and of its largest worker. All include the"
        " interpreter and the generated data.",
        "Phase times come from `Result.timings_s`; where pools are solved in parallel they are"
        " sums over pools (hence above the total); `solve wall` is the solve's wall time.",
        "",
        *table(rows),
        "",
        *target_lines(rows),
        "",
    ]
    if not RESULTS.exists():
        RESULTS.write_text("# Engine benchmark results\n\nAppended by `benchmarks/engine.py`.\n\n")
    text = RESULTS.read_text()
    separator = "" if text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    with RESULTS.open("a") as fh:
        fh.write(separator + "\n".join(section) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", default=["S", "M"], help="S, M and/or L")
    parser.add_argument("--ops", default=",".join(OPERATIONS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--alternatives", action="store_true", help="optimise with the ladder")
    parser.add_argument("--no-append", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument("--timeout", type=float, help="seconds per operation (default none)")
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "OP"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        size, operation = args.child
        print(json.dumps(run_one(size, operation, args.seed, args.alternatives)))
        return 0

    operations = [op.strip() for op in args.ops.split(",") if op.strip()]
    unknown = sorted(set(operations) - set(OPERATIONS))
    if unknown:
        parser.error(f"unknown operation {unknown[0]!r}; use {', '.join(OPERATIONS)}")
    args.sizes = [s.upper() for s in args.sizes]
    rows = []
    for size in args.sizes:
        for operation in operations:
            print(f"running {size} {operation} ...", file=sys.stderr, flush=True)
            rows.append(run_in_child(size, operation, args.seed, args.alternatives, args.timeout))
    print("\n".join(table(rows)))
    print("\n".join(target_lines(rows)))
    if not args.no_append:
        append_results(rows, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
