"""Synthetic data written as the command line's input files reads back as the same problem,
and the command line on those files gives what the engine gives in-process."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.engine import optimise
from app.engine.export import read_result, today_counts, write_problem, write_trips
from app.engine.io import (
    read_candidates,
    read_counts,
    read_parameters,
    read_trips,
    read_vehicles,
)
from app.engine.synthetic import generate
from app.engine.types import Problem, Trip
from app.engine.validate import validate

ROOT = Path(__file__).resolve().parents[2]
CPH = ZoneInfo("Europe/Copenhagen")
FILES = ("trips.csv", "vehicles.csv", "candidates.csv", "parameters.json", "counts.csv")


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def generated() -> Problem:
    return generate("S", seed=2)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """`python -m app.engine.synthetic S --seed 2 --out DIR`."""
    out = tmp_path_factory.mktemp("synthetic_s")
    done = run("app.engine.synthetic", "S", "--seed", "2", "--out", out)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    return out


def read_back(directory: Path) -> Problem:
    return Problem(
        trips=read_trips(directory / "trips.csv"),
        vehicles=read_vehicles(directory / "vehicles.csv"),
        candidates=read_candidates(directory / "candidates.csv"),
        parameters=read_parameters(directory / "parameters.json"),
    )


def cli_files(directory: Path, parameters: Path | None = None) -> list[str | Path]:
    return [
        "--trips",
        directory / "trips.csv",
        "--vehicles",
        directory / "vehicles.csv",
        "--candidates",
        directory / "candidates.csv",
        "--parameters",
        parameters or directory / "parameters.json",
    ]


def test_every_file_reads_back_as_the_generated_problem(generated, written):
    problem = read_back(written)
    assert len(problem.trips) == len(generated.trips) > 1000
    for got, want in zip(problem.trips, generated.trips, strict=True):
        assert got.trip_id == want.trip_id
        assert got.vehicle_id == want.vehicle_id
        assert got.location == want.location
        assert got.start.timestamp() == want.start.timestamp()  # the same instants
        assert got.end.timestamp() == want.end.timestamp()
        assert got.start.utcoffset() == want.start.utcoffset()  # and the same local time
        assert got.start.astimezone(CPH).isoformat() == want.start.isoformat()
        assert got.distance_km == want.distance_km
        assert got.driving_minutes == want.driving_minutes
    assert problem.vehicles == generated.vehicles  # every field, in order
    assert problem.candidates == generated.candidates
    assert problem.parameters == generated.parameters
    assert problem.parameters.to_dict() == generated.parameters.to_dict()


def test_counts_are_todays_fleet(generated, written):
    counts = read_counts(written / "counts.csv")
    assert counts == today_counts(generated)
    assert sum(c.count for c in counts) == len(generated.vehicles)
    assert {c.pool for c in counts} == {"Rådhuset"}


def test_times_and_numbers_are_exact_across_dst_and_rounding(tmp_path):
    autumn = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=CPH)  # second 02:30, UTC+1
    trips = [
        Trip("A", None, "Nord", datetime(2026, 10, 25, 2, 10, tzinfo=CPH), autumn, 0.1 + 0.2),
        Trip("B", "V1", "Nord", datetime(2026, 3, 29, 1, 59, tzinfo=CPH), autumn, 1e-7, 12.25),
    ]
    write_trips(trips, tmp_path / "trips.csv")
    back = read_trips(tmp_path / "trips.csv")
    # Compared as timestamps: Python calls aware datetimes in different zones unequal when
    # either is ambiguous (PEP 495), even when they are the same instant.
    assert [(t.start.timestamp(), t.end.timestamp()) for t in back] == [
        (t.start.timestamp(), t.end.timestamp()) for t in trips
    ]
    assert [t.end.astimezone(CPH).fold for t in back] == [1, 1]
    assert back[0].end.utcoffset().total_seconds() == 3600
    assert back[0].start.utcoffset().total_seconds() == 7200
    assert [t.distance_km for t in back] == [0.1 + 0.2, 1e-7]
    assert back[1].driving_minutes == 12.25 and back[0].driving_minutes is None
    assert back[0].vehicle_id is None


def test_write_problem_refuses_what_the_format_cannot_hold(generated, tmp_path):
    hybrid = replace(generated.vehicles[0], plug_in_hybrid=True)
    problem = replace(generated, vehicles=[hybrid, *generated.vehicles[1:]])
    with pytest.raises(ValueError, match="plug_in_hybrid"):
        write_problem(problem, tmp_path, counts=[])


def test_cli_baseline_and_simulate_on_the_written_files(generated, written, tmp_path):
    out = tmp_path / "baseline.json"
    done = run("app.engine", "baseline", *cli_files(written), "--out", out)
    assert done.returncode == 0, done.stderr
    base = read_result(out)
    assert base.status == "optimal"
    assert base.totals.vehicles == len(generated.vehicles)
    assert base.totals.unserved_trips == 0
    assert validate(generated, base) == []

    out = tmp_path / "simulate.json"
    fleet = ["--fleet", written / "counts.csv"]
    done = run("app.engine", "simulate", *cli_files(written), *fleet, "--out", out)
    assert done.returncode == 0, done.stderr
    today = read_result(out)
    assert today.status == "optimal"
    assert all(line.count == line.current_count for line in today.fleet)
    assert today.totals.vehicles == len(generated.vehicles)
    assert validate(generated, today) == []


def test_cli_optimise_equals_the_engine_in_process(generated, written, tmp_path):
    exact = replace(generated.parameters, solver=replace(generated.parameters.solver, rel_gap=0.0))
    parameters = tmp_path / "parameters.json"
    parameters.write_text(json.dumps(exact.to_dict()), encoding="utf-8")
    out = tmp_path / "optimise.json"
    done = run(
        "app.engine", "optimise", *cli_files(written, parameters), "--no-alternatives", "--out", out
    )
    assert done.returncode == 0, done.stderr
    assert "optimise: optimal" in done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["status"] == "optimal"
    assert data["alternatives"] == []

    in_process = optimise(replace(generated, parameters=exact), alternatives=False)
    assert in_process.status == "optimal"
    assert math.isclose(
        data["totals"]["yearly_cost_dkk"], in_process.totals.yearly_cost_dkk, rel_tol=1e-6
    )
    assert math.isclose(data["objective"], in_process.objective, rel_tol=1e-6)
    result = read_result(out)
    assert validate(generated, result) == []
    assert validate(read_back(written), result) == []


def test_group_ids_do_not_depend_on_int_or_float_figures():
    """The CSV readers give floats where synthetic data has ints (20 vs 20.0): the groups,
    their order and their ids must be the same either way."""
    from app.engine.prepare import prepare
    from app.engine.synthetic import generate

    problem = generate("S", seed=2)

    def as_float(v):
        return replace(
            v,
            yearly_cost_dkk=float(v.yearly_cost_dkk),
            km_per_litre=None if v.km_per_litre is None else float(v.km_per_litre),
            wh_per_km=None if v.wh_per_km is None else float(v.wh_per_km),
            range_km=None if v.range_km is None else float(v.range_km),
        )

    floats = replace(problem, vehicles=[as_float(v) for v in problem.vehicles])
    ids = [[g.gid for g in pool.groups] for pool in prepare(problem).pools]
    assert ids == [[g.gid for g in pool.groups] for pool in prepare(floats).pools]
