"""Benchmark: import 1,000,000 round trips through the real import service.

Generates a round-trip CSV (Danish style: semicolon, decimal comma, local times), creates
a fresh database with the vehicles and locations it names, then runs the same
`run_import(..., apply=True)` the "Gem" button and `flask import trips` use: read,
check every row, dedupe against the database, overlap check, bulk insert, commit.
Each database runs in its own process so peak memory (max RSS) is that import's.

    .venv/bin/python benchmarks/import_trips.py [--rows 1000000] [--no-postgres]

Appends a dated section to benchmarks/RESULTS.md (append only). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VEHICLES = 250
LOCATIONS = [
    "Hjemmeplejen Nord",
    "Hjemmeplejen Syd",
    "Rådhuset",
    "Materielgården",
    "Sundhedscentret",
]


def generate_csv(path: Path, rows: int, seed: int = 7) -> None:
    """One row per round trip; trips of a vehicle never overlap."""
    rng = random.Random(seed)
    per_vehicle = rows // VEHICLES + 1
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("Køretøj;Lokation;Start;Slut;Km;Køretid min\r\n")
        for v in range(VEHICLES):
            location = LOCATIONS[v % len(LOCATIONS)]
            moment = datetime(2020, 1, 1, 6, 0) + timedelta(minutes=rng.randint(0, 600))
            made = 0
            while made < per_vehicle:
                if written >= rows:
                    return
                duration = rng.randint(15, 240)
                end = moment + timedelta(minutes=duration)
                if moment.hour < 4 or end.date() != moment.date():
                    # Trips stay within 04:00-24:00 of one day: no daylight-saving nights.
                    next_morning = datetime.combine(end.date(), datetime.min.time()) + timedelta(
                        hours=rng.randint(5, 9), minutes=rng.randint(0, 59)
                    )
                    moment = max(next_morning, end + timedelta(minutes=20))
                    continue
                km = round(min(rng.lognormvariate(2.0, 0.8), duration * 1.5), 1)
                minutes = round(duration * rng.uniform(0.3, 0.8), 1)
                out.write(
                    f"BM{v:04d};{location};{moment:%Y-%m-%d %H:%M};{end:%Y-%m-%d %H:%M};"
                    f"{str(km).replace('.', ',')};{str(minutes).replace('.', ',')}\r\n"
                )
                written += 1
                made += 1
                moment = end + timedelta(minutes=rng.randint(20, 900))


def run_one(database_url: str, csv_path: Path, instance: Path) -> dict:
    """Child process: fresh schema, register, then the timed import."""
    from flask_migrate import upgrade

    from app import create_app

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": "fakeredis://",
            "FLEET_DEMO_DATA": False,
        }
    )
    import fakeredis  # a benchmark's queue: in process, as in the tests

    app.extensions["fleet_redis"] = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    with app.app_context():
        upgrade()
        from app.extensions import db
        from app.models import Fuel, Location, Vehicle, VehicleType

        locations = [Location(name=name) for name in LOCATIONS]
        db.session.add_all(locations)
        db.session.flush()
        for v in range(VEHICLES):
            db.session.add(
                Vehicle(
                    fleet_id=f"BM{v:04d}",
                    vehicle_type=VehicleType.EV,
                    fuel=Fuel.ELECTRICITY,
                    location_id=locations[v % len(locations)].id,
                )
            )
        db.session.commit()
        from app.data.service import run_import

        backend = _backend_pid(db)
        server_before = _process_cpu(backend)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        rss_before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
        load = os.getloadavg()[0]
        started = time.perf_counter()
        report = run_import("trips", csv_path, csv_path.name, apply=True)
        wall = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        rss_after, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
        server_cpu = None
        if backend is not None and _backend_pid(db) == backend:
            server_cpu = round(_process_cpu(backend) - server_before, 1)
        count = db.session.execute(db.text("SELECT count(*) FROM round_trip")).scalar()
        db.session.remove()
        db.engine.dispose()
    return {
        "rows": report.rows_read,
        "added": report.rows_added,
        "errors": report.error_count,
        "in_db": count,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 1),
        "server_cpu_s": server_cpu,
        "load": round(load, 1),
        "rows_per_s": round(report.rows_read / wall),
        "peak_rss_mb": round(rss_after / 1024),
        "rss_before_mb": round(rss_before / 1024),
    }


def _backend_pid(db) -> int | None:
    """The PostgreSQL server process serving our session (same machine), else None."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return None
    pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    db.session.commit()
    return pid


def _process_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a local process, from /proc (0 when unreadable)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


def child(database: str, csv_path: str, instance: str) -> dict:
    env = dict(os.environ, FLEET_DEMO_DATA="0")
    output = subprocess.run(
        [sys.executable, __file__, "--child", database, csv_path, instance],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if output.returncode != 0:
        raise RuntimeError(output.stderr[-3000:])
    return json.loads(output.stdout.strip().splitlines()[-1])


def _seconds(value) -> str:
    return "–" if value is None else f"{value} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-results", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        database, csv_path, instance = args.child
        print(json.dumps(run_one(database, Path(csv_path), Path(instance))))
        return

    work = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    csv_path = work / "rundture.csv"
    started = time.perf_counter()
    generate_csv(csv_path, args.rows)
    size_mb = csv_path.stat().st_size / 1e6
    print(
        f"Generated {args.rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s"
    )

    results = {}
    if not args.no_sqlite:
        (work / "sqlite").mkdir()
        results["SQLite"] = child(
            f"sqlite:///{work / 'sqlite' / 'bench.db'}", str(csv_path), str(work / "sqlite")
        )
        print("SQLite:", results["SQLite"])
    if not args.no_postgres and postgres_reachable():
        import psycopg

        name = f"fleet_bench_{uuid.uuid4().hex[:8]}"
        admin = "postgresql://postgres@127.0.0.1:5432/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            (work / "pg").mkdir()
            results["PostgreSQL"] = child(
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
                str(csv_path),
                str(work / "pg"),
            )
            print("PostgreSQL:", results["PostgreSQL"])
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    elif not args.no_postgres:
        print("PostgreSQL not reachable on 127.0.0.1:5432: skipped")

    if not args.no_results:
        lines = [
            "",
            f"## Import of round trips ({datetime.now():%Y-%m-%d %H:%M}, "
            "benchmarks/import_trips.py)",
            "",
            f"{args.rows:,} rows, {size_mb:.0f} MB CSV (semicolon, decimal comma, local times), "
            f"{VEHICLES} vehicles, into an empty register; `run_import(apply=True)`: read, check, "
            f"dedupe, overlap check, bulk insert, commit. Machine: {os.cpu_count()} cores.",
            "",
            "| Database | Rows | Wall time | Rows/s | CPU of the importing process | "
            "CPU of the PostgreSQL server process | Peak memory (max RSS) | "
            "Load average at start |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for db_name, r in results.items():
            lines.append(
                f"| {db_name} | {r['added']:,} | {r['wall_s']} s | {r['rows_per_s']:,} "
                f"| {r['cpu_s']} s | {_seconds(r['server_cpu_s'])} | {r['peak_rss_mb']} MB "
                f"| {r['load']} |"
            )
        with open(ROOT / "benchmarks" / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
    csv_path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
