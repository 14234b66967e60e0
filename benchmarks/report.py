"""Benchmark: build the decision report PDF (about 10 pages, 6 charts) from stored results.

Setup (not timed): a fresh SQLite database with the demo municipality and two finished
optimisations of Rådhuset over three weeks (the recommended one with its cost/CO2e
alternatives, so every chart is drawn, plus one alternative scenario for the comparison
chart). Timed: `reports.builder.build_report`, the same call the report job and
`flask report build` make: read results, draft texts, draw the 6 charts, render HTML,
lay out and write the PDF/UA-1 file. Each phase is also timed on its own.

Memory: peak Python allocations during one build (tracemalloc, Python objects only, not
the C libraries Pango/Cairo/HarfBuzz use), and the process's peak resident set size
(ru_maxrss: everything, setup included, so an upper bound).

    .venv/bin/python benchmarks/report.py [--repeat 3]

Appends a dated section to benchmarks/RESULTS.md (append only). Not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FLEET_DEMO_DATA", "0")
TARGET_S = 3.0


def setup_app(folder: Path):
    from app import create_app

    instance = folder / "instance"
    instance.mkdir()
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "benchmark",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.db'}",
            "REDIS_URL": "fakeredis://",
            "RQ_QUEUE": "benchmark-report",
        }
    )
    import fakeredis  # a benchmark's queue: in process, as in the tests

    app.extensions["fleet_redis"] = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        from app.demo.service import load_demo_data
        from app.extensions import db
        from app.models import Location
        from app.scenarios.service import ScenarioSetup, create_scenario, start_run
        from tests.support import work_queue

        load_demo_data(seed=2026, end=date(2026, 10, 31))
        location = db.session.scalar(db.select(Location).where(Location.name == "Rådhuset"))
        ids = []
        for name, target, alternatives in (("Anbefalet", None, True), ("CO2e -50 %", 50, False)):
            scenario = create_scenario(
                ScenarioSetup(
                    name=name,
                    kind="optimise",
                    period_start=date(2026, 10, 1),
                    period_end=date(2026, 10, 21),
                    location_ids=[location.id],
                    co2_target_pct=target,
                    alternatives=alternatives,
                ),
                None,
            )
            start_run(scenario, None)
            ids.append(scenario.id)
        work_queue()
    return app, ids


def timed_phases(request) -> dict[str, float]:
    from reports.builder import (
        ReportUrlFetcher,
        load_facts,
        pdf_asset_url,
        render_html,
        report_context,
        write_pdf,
    )

    times = {}
    start = time.perf_counter()
    facts, alternatives = load_facts(request)
    times["results"] = time.perf_counter() - start
    start = time.perf_counter()
    context = report_context(request, facts, alternatives)
    times["texts + charts"] = time.perf_counter() - start
    start = time.perf_counter()
    html = render_html(context, pdf_asset_url, None)
    times["html"] = time.perf_counter() - start
    start = time.perf_counter()
    write_pdf(html, ReportUrlFetcher())
    times["pdf (WeasyPrint)"] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from reports.builder import ReportRequest, build_report

    with tempfile.TemporaryDirectory() as folder:
        print("Setup: demo data and two scenario runs …", flush=True)
        app, ids = setup_app(Path(folder))
        with app.app_context():
            request = ReportRequest(
                scenario_id=ids[0], alternative_ids=ids[1:], organisation="Demo Kommune"
            )
            build_report(request)  # warm-up: imports, font loading, caches
            walls, cpus, pages, sizes, figures = [], [], 0, 0, 0
            for _ in range(args.repeat):
                cpu_start = time.process_time()
                built = build_report(request)
                cpus.append(time.process_time() - cpu_start)
                walls.append(built.seconds)
                pages, sizes = built.page_count, len(built.pdf)
                figures = built.html.count("<figure>")
            tracemalloc.start()
            build_report(request)
            _, peak_python = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            phases = timed_phases(request)
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best, median = min(walls), statistics.median(walls)
    cpu = statistics.median(cpus)
    load = os.getloadavg()[0]
    print(f"{pages} pages, {figures} charts, {sizes / 1024:.0f} kB")
    print(f"build_report: best {best:.2f} s, median {median:.2f} s over {len(walls)} runs")
    print(f"CPU time of the process (process_time): median {cpu:.2f} s")
    print("phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    print(f"peak Python allocations (tracemalloc): {peak_python / 1e6:.0f} MB")
    print(f"peak RSS of the process (ru_maxrss, setup included): {max_rss_mb:.0f} MB")
    print(f"load average during the run: {load:.1f} (2 cores)")
    verdict = "met" if median < TARGET_S else "NOT met"
    section = f"""
## Decision report PDF ({datetime.now():%Y-%m-%d %H:%M}, benchmarks/report.py)

`reports.builder.build_report`: stored results of two finished scenarios (Rådhuset, three
weeks, demo data) -> drafted texts, {figures} SVG charts, HTML, WeasyPrint PDF/UA-1 of
{pages} A4 pages ({sizes / 1024:.0f} kB). After one warm-up build. Machine: 2 cores, shared
(load average {load:.1f} during the run).

| Measure | Value |
|---|---:|
| Wall time, median of {len(walls)} | {median:.2f} s |
| Wall time, best | {best:.2f} s |
| CPU time, median (process_time; what the build costs without other load) | {cpu:.2f} s |
| {" / ".join(phases)} | {" / ".join(f"{v:.2f} s" for v in phases.values())} |
| Peak Python allocations (tracemalloc, one build) | {peak_python / 1e6:.0f} MB |
| Peak RSS of the process (ru_maxrss, setup included) | {max_rss_mb:.0f} MB |

Target under {TARGET_S:.0f} s wall (median): {verdict}. On a shared machine the wall time
includes waiting for a core; the CPU time is the build's own cost.
"""
    with open(ROOT / "benchmarks" / "RESULTS.md", "a", encoding="utf-8") as results:
        results.write(section)
    print(f"Appended to benchmarks/RESULTS.md (target {verdict}).")


if __name__ == "__main__":
    main()
