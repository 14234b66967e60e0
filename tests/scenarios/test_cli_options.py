"""`flask scenario run` has every option of the setup page, read and checked as there.

Runs the command through Flask's CLI runner on the demo municipality and checks what the
service stored (setup, overrides, snapshot) and that a run was queued; one small simulation
runs to the end with `--wait` against a background worker.
"""

from __future__ import annotations

import csv
import json
import re
from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import Job
from app.models.data import VehicleModel
from app.models.scenarios import Scenario
from tests.scenarios.conftest import DEMO_END, SHORT_START

BASE = ["scenario", "run", "--from", SHORT_START.isoformat(), "--to", DEMO_END.isoformat()]


def run_cli(app, *args: str):
    return app.test_cli_runner().invoke(args=[*BASE, *args])


def created(app, result) -> SimpleNamespace:
    """The stored scenario's fields (read while the session is open)."""
    assert result.exit_code == 0, result.output
    scenario_id = int(re.search(r"Scenarie (\d+) oprettet", result.output).group(1))
    with app.app_context():
        s = db.session.get(Scenario, scenario_id)
        return SimpleNamespace(
            id=s.id, notes=s.notes, pooled=s.pooled, budget_dkk=s.budget_dkk,
            co2_target_pct=s.co2_target_pct, setup=s.setup, snapshot=s.snapshot,
            snapshot_summary=s.snapshot_summary,
        )  # fmt: skip


def scenario_named(app, name: str) -> Scenario | None:
    with app.app_context():
        return db.session.scalar(db.select(Scenario).where(Scenario.name == name))


def failed(result, *fragments: str) -> str:
    assert result.exit_code != 0, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    return result.output


@pytest.fixture(scope="module")
def catalogue_model(demo_app) -> tuple[int, str]:
    """One model in the (otherwise empty) demo model catalogue: (id, 'make model')."""
    from app.models.fleet import Fuel, VehicleType

    with demo_app.app_context():
        model = VehicleModel(
            make="Testmærke", model="Elcykel", vehicle_type=VehicleType.EBIKE,
            fuel=Fuel.ELECTRICITY, wh_per_km=10, yearly_cost_dkk=6000,
        )  # fmt: skip
        db.session.add(model)
        db.session.commit()
        return model.id, "Testmærke Elcykel"


@pytest.fixture(scope="module")
def today_fleet(demo_app) -> list[dict]:
    """Rådhuset's groups as `baseline` reports them (from a scenario made for the purpose)."""
    scenario = created(
        demo_app,
        run_cli(demo_app, "--name", "CLI i dag", "--kind", "simulate", "--locations", "Rådhuset"),
    )
    return scenario.snapshot_summary["fleet"]


# --------------------------------------------------------------------------- stored setup
def test_every_page_option_is_stored(demo_app, catalogue_model):
    model_id, model_name = catalogue_model
    result = run_cli(
        demo_app,
        "--name", "CLI alle valg", "--kind", "optimise", "--notes", "Fra natkørslen",
        "--locations", "Hjemmeplejen Nord,Hjemmeplejen Syd", "--pooled",
        "--candidate", f"{model_name}=2", "--decision-date", "2026-12-31",
        "--shifts", "Hjemmeplejen Nord=07:00-15:00, 15:00-23:00, 23:00-07:00",
        "--bike-share-pct", "30,5", "--keep-type", "Hjemmeplejen Nord",
        "--budget-dkk", "4000000", "--no-alternatives",
    )  # fmt: skip
    scenario = created(demo_app, result)
    assert scenario.notes == "Fra natkørslen" and scenario.pooled
    assert scenario.budget_dkk == 4_000_000 and scenario.co2_target_pct is None
    assert scenario.setup["alternatives"] is False
    assert scenario.setup["candidates"] == {str(model_id): 2}
    overrides = scenario.setup["overrides"]
    assert overrides["allocation.bike_share_pct"] == 30.5
    assert overrides["allocation.keep_type_locations"] == ["Hjemmeplejen Nord"]
    assert overrides["_decision_date"] == "2026-12-31"
    assert overrides["_shifts"]["Hjemmeplejen Nord"][0] == ["07:00", "15:00"]
    parameters = scenario.snapshot["parameters"]
    assert parameters["allocation"] == {
        "bike_share_pct": 30.5,
        "keep_type_locations": ["Hjemmeplejen Nord"],
    }
    assert parameters["pools"] == [["Hjemmeplejen Nord", "Hjemmeplejen Syd"]]
    with demo_app.app_context():
        run = db.session.get(Scenario, scenario.id).latest_run
        assert run.status == "queued" and db.session.get(Job, run.job_id).kind == "scenario"


def test_defaults_are_the_pages(demo_app):
    scenario = created(
        demo_app,
        run_cli(
            demo_app, "--name", "CLI standard", "--kind", "optimise", "--locations", "Rådhuset"
        ),
    )
    assert scenario.setup["alternatives"] is True and scenario.setup["counts"] == []
    assert scenario.budget_dkk is None and scenario.co2_target_pct is None
    assert scenario.snapshot["parameters"]["allocation"] == {
        "bike_share_pct": 50,
        "keep_type_locations": [],
    }


# --------------------------------------------------------------------------- counts
def write_counts_csv(path, rows, delimiter=","):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(["pool", "group", "count"])
        writer.writerows(rows)
    return path


def test_counts_from_csv_run_with_wait(demo_app, today_fleet, tmp_path):
    """A small simulation with given counts, waited for: the run uses exactly them."""
    from tests.support import BackgroundWorker

    first, *rest = [line for line in today_fleet if line["current_count"]]
    wanted = [(first["pool"], first["group"], first["current_count"] + 1)]
    wanted += [(line["pool"], line["group"], line["current_count"]) for line in rest]
    path = write_counts_csv(tmp_path / "antal.csv", wanted, delimiter=";")
    worker = BackgroundWorker(demo_app).start()
    try:
        result = run_cli(
            demo_app, "--name", "CLI antal", "--kind", "simulate", "--locations", "Rådhuset",
            "--counts", str(path), "--wait",
        )  # fmt: skip
    finally:
        worker.stop()
    scenario = created(demo_app, result)
    # --wait printed the finished run's figures
    assert f"Scenarie {scenario.id}: CLI antal (" in result.output
    assert "Årlig omkostning" in result.output
    assert scenario.setup["counts"] == [{"pool": p, "group": g, "count": n} for p, g, n in wanted]
    with demo_app.app_context():
        run = db.session.get(Scenario, scenario.id).latest_run
        assert run.status == "finished"
        got = {(line["pool"], line["group"]): line["count"] for line in run.result["fleet"]}
    expected = {(line["pool"], line["group"]): 0 for line in today_fleet}
    expected.update({(p, g): n for p, g, n in wanted})
    assert got == expected


def test_counts_from_a_result_json(demo_app, today_fleet, tmp_path):
    fleet = [{**line, "count": 0 if line["candidate"] else line["count"]} for line in today_fleet]
    path = tmp_path / "resultat.json"
    path.write_text(json.dumps({"operation": "baseline", "fleet": fleet}), encoding="utf-8")
    scenario = created(
        demo_app,
        run_cli(
            demo_app, "--name", "CLI json", "--kind", "simulate", "--locations", "Rådhuset",
            "--counts", str(path),
        ),
    )  # fmt: skip
    assert scenario.setup["counts"] == [
        {"pool": line["pool"], "group": line["group"], "count": line["count"]} for line in fleet
    ]
    # a plain list works too
    listed = tmp_path / "liste.json"
    listed.write_text(json.dumps(scenario.setup["counts"][:1]), encoding="utf-8")
    again = created(
        demo_app,
        run_cli(
            demo_app, "--name", "CLI liste", "--kind", "simulate", "--locations", "Rådhuset",
            "--counts", str(listed),
        ),
    )  # fmt: skip
    assert again.setup["counts"] == scenario.setup["counts"][:1]


def test_unknown_pool_or_group_is_named_with_its_row_and_nothing_is_kept(
    demo_app, today_fleet, tmp_path
):
    line = today_fleet[0]
    path = write_counts_csv(
        tmp_path / "forkert.csv",
        [(line["pool"], line["group"], 1), ("Nordpolen", line["group"], 1),
         (line["pool"], "Rådhuset/Ukendt bil petrol 1", 2)],
    )  # fmt: skip
    result = run_cli(
        demo_app, "--name", "CLI forkert", "--kind", "simulate", "--locations", "Rådhuset",
        "--counts", str(path),
    )  # fmt: skip
    failed(
        result,
        "forkert.csv, række 3: ukendt pulje 'Nordpolen' (kendte: Rådhuset)",
        "forkert.csv, række 4: ukendt gruppe 'Rådhuset/Ukendt bil petrol 1' i puljen 'Rådhuset'",
    )
    assert scenario_named(demo_app, "CLI forkert") is None


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("tal.csv", "pool,group,count\nRådhuset,x,to\n", "række 2: count: 'to' er ikke et tal"),
        ("neg.csv", "pool,group,count\nRådhuset,x,-1\n", "række 2: count: '-1' skal være"),
        ("kolonne.csv", "pool,gruppe,count\n", "række 1: mangler kolonnen 'group'"),
        ("dobbelt.csv", "pool,group,count\nR,x,1\nR,x,2\n",
         "række 3: gruppen 'x' i puljen 'R' står også i række 2"),
        ("ikke.json", "{", ": ugyldig JSON"),
        ("objekt.json", '{"a": 1}', ": forventede en liste"),
        ("felt.json", '[{"pool": "R", "count": 1}]', "række 1: forventede pool, group og count"),
        ("antal.json", '[{"pool": "R", "group": "x", "count": 1.5}]',
         "række 1: count 1.5 skal være et helt tal"),
    ],
)  # fmt: skip
def test_bad_counts_files_name_file_and_row(demo_app, tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = run_cli(
        demo_app, "--name", f"CLI {name}", "--kind", "simulate", "--locations", "Rådhuset",
        "--counts", str(path),
    )  # fmt: skip
    failed(result, name + ("" if message.startswith(":") else ", ") + message)
    assert scenario_named(demo_app, f"CLI {name}") is None


# --------------------------------------------------------------------------- bad options
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "optimise", "--co2-target", "30", "--budget-dkk", "1000000"],
         "Angiv enten et CO2e-mål (--co2-target) eller et budgetloft (--budget-dkk), ikke begge."),
        (["--kind", "simulate", "--budget-dkk", "1000000"], "--budget-dkk gælder kun optimering."),
        (["--kind", "simulate", "--no-alternatives"], "gælder kun optimering."),
        (["--kind", "optimise", "--counts", "wsgi.py"], "--counts gælder kun simulering."),
        (["--kind", "optimise", "--co2-target", "120"], "CO2e-målet skal være mellem 0 og 100 %."),
        (["--kind", "optimise", "--budget-dkk", "-5"], "Budgetloftet kan ikke være negativt."),
        (["--kind", "optimise", "--bike-share-pct", "120"],
         "Andel af cykelegnede ture, som medarbejderne cykler: skal være mellem 0 og 100 %."),
        (["--kind", "optimise", "--bike-share-pct", "mange"], "'mange' er ikke et tal."),
        (["--kind", "optimise", "--keep-type", "Materielgården"],
         "Behold køretøjstypen: lokationen 'Materielgården' er ikke valgt i scenariet."),
        (["--kind", "optimise", "--keep-type", "Månebasen"],
         "Behold køretøjstypen: lokationen 'Månebasen' er ikke valgt i scenariet."),
        (["--kind", "optimise", "--candidate", "Trabant 601"],
         "--candidate 'Trabant 601': modellen findes ikke i modelkataloget."),
        (["--kind", "optimise", "--candidate", "MODEL=mange"], "'mange' er ikke et helt tal"),
        (["--kind", "optimise", "--candidate", "MODEL=-2"], "kan ikke være negativt"),
        (["--kind", "optimise", "--shifts", "Rådhuset=07:00-15:00"],
         "Vagter for Rådhuset: 2-5 vagter, der tilsammen dækker døgnet."),
        (["--kind", "optimise", "--shifts", "Materielgården=07:00-19:00, 19:00-07:00"],
         "--shifts: lokationen 'Materielgården' er ikke blandt --locations."),
    ],
)  # fmt: skip
def test_bad_options_give_danish_messages(demo_app, catalogue_model, args, message):
    args = [a.replace("MODEL", str(catalogue_model[0])) for a in args]
    result = run_cli(demo_app, "--name", "CLI fejl", "--locations", "Rådhuset", *args)
    failed(result, message)
    assert scenario_named(demo_app, "CLI fejl") is None
