"""The command line on the example files: all three operations, and clear input errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
TOTAL_KEYS = {
    "yearly_cost_dkk",
    "fixed_dkk",
    "energy_dkk",
    "allowance_dkk",
    "co2e_t",
    "co2e_value_dkk",
    "unserved_penalty_dkk",
    "vehicles",
    "unserved_trips",
    "unserved_km",
}


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.engine", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def example_args(**replace: Path) -> list:
    files = {
        "trips": EXAMPLES / "trips.csv",
        "vehicles": EXAMPLES / "vehicles.csv",
        "candidates": EXAMPLES / "candidates.csv",
        "parameters": EXAMPLES / "parameters.json",
    }
    files.update(replace)
    return [x for key, path in files.items() for x in (f"--{key}", path)]


@pytest.mark.parametrize("operation", ["baseline", "simulate", "optimise"])
def test_each_operation_runs_on_the_examples(operation, tmp_path):
    out = tmp_path / "result.json"
    extra = ["--fleet", EXAMPLES / "counts.csv"] if operation == "simulate" else []
    done = run_cli(operation, *example_args(), *extra, "--out", out)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["operation"] == operation
    assert result["status"] == "optimal"
    assert "gap" in result
    assert set(result["totals"]) >= TOTAL_KEYS
    assert set(result["baseline"]) >= TOTAL_KEYS
    assert {"pool", "group", "label", "type", "count", "current_count"} <= set(result["fleet"][0])
    trip_ids = {
        line.split(",")[0]
        for line in (EXAMPLES / "trips.csv").read_text(encoding="utf-8").splitlines()[1:]
    }
    assert set(result["plan"]) == trip_ids
    assert "alternatives" in result
    assert result["parameters"]["period"] == {"start": "2026-03-02", "end": "2026-03-03"}
    if operation == "simulate":
        counts = {(f["pool"], f["group"]): f["count"] for f in result["fleet"] if f["count"]}
        assert counts[("Syd", "EV-Zoe")] == 1
    if operation == "optimise":
        assert result["totals"]["yearly_cost_dkk"] < result["baseline"]["yearly_cost_dkk"]


def test_result_goes_to_stdout_without_out():
    done = run_cli("baseline", *example_args())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["vehicles"] == 6
    assert "baseline: optimal" in done.stderr


def write_bad_trips(tmp_path: Path, line: int, replacement: str) -> Path:
    rows = (EXAMPLES / "trips.csv").read_text(encoding="utf-8").splitlines()
    rows[line - 1] = replacement
    bad = tmp_path / "trips.csv"
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return bad


@pytest.mark.parametrize(
    ("line", "replacement", "expected"),
    [
        (3, "T002,N-YARIS-1,Nord,2026-03-02T09:00:00+01:00,2026-03-02T10:00:00+01:00,ti",
         "distance_km"),
        (4, "T003,N-YARIS-1,Nord,i går,2026-03-02T10:00:00+01:00,5", "start_time"),
        (5, "T004,N-YARIS-1,Nord,2026-03-02T11:00:00+01:00,2026-03-02T10:00:00+01:00,5",
         "end_time ligger før start_time"),
        (6, "T001,N-YARIS-1,Nord,2026-03-02T11:00:00+01:00,2026-03-02T12:00:00+01:00,5",
         "findes to gange"),
    ],
)  # fmt: skip
def test_bad_trip_rows_name_file_row_and_problem(tmp_path, line, replacement, expected):
    bad = write_bad_trips(tmp_path, line, replacement)
    done = run_cli("baseline", *example_args(trips=bad))
    assert done.returncode == 2
    assert f"trips.csv, række {line}" in done.stderr
    assert expected in done.stderr


def test_missing_column_is_named(tmp_path):
    bad = tmp_path / "vehicles.csv"
    rows = (EXAMPLES / "vehicles.csv").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join(r.replace("yearly_cost_dkk", "cost") for r in rows) + "\n")
    done = run_cli("baseline", *example_args(vehicles=bad))
    assert done.returncode == 2
    assert "vehicles.csv, række 1: mangler kolonnen 'yearly_cost_dkk'" in done.stderr


def test_bad_vehicle_type_is_named(tmp_path):
    bad = tmp_path / "vehicles.csv"
    rows = (EXAMPLES / "vehicles.csv").read_text(encoding="utf-8").splitlines()
    rows[2] = rows[2].replace(",fossil,", ",car,")
    bad.write_text("\n".join(rows) + "\n")
    done = run_cli("baseline", *example_args(vehicles=bad))
    assert done.returncode == 2
    assert "vehicles.csv, række 3: type: 'car'" in done.stderr


def test_unknown_parameter_key_is_named(tmp_path):
    bad = tmp_path / "parameters.json"
    bad.write_text(json.dumps({"ev": {"derating_pct": 40}}))
    done = run_cli("baseline", *example_args(parameters=bad))
    assert done.returncode == 2
    assert "parameters.json" in done.stderr and "ev.'derating_pct'" in done.stderr


def test_unknown_group_in_counts_is_named(tmp_path):
    counts = tmp_path / "counts.csv"
    shutil.copy(EXAMPLES / "counts.csv", counts)
    with counts.open("a", encoding="utf-8") as handle:
        handle.write("Nord,Nord/Tesla,1\n")
    done = run_cli("simulate", *example_args(), "--fleet", counts)
    assert done.returncode == 2
    assert "ukendt gruppe 'Nord/Tesla'" in done.stderr


def test_simulate_without_fleet_is_an_error():
    done = run_cli("simulate", *example_args())
    assert done.returncode == 2
    assert "--fleet" in done.stderr
