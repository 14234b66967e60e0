"""The vehicle register: import/export round trip, import rules, the pages, audit."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.data.conftest import count, local


def run(app, path: Path, kind: str = "vehicles", apply: bool = True):
    from app.data.service import run_import

    with app.app_context():
        return run_import(kind, path, path.name, apply=apply)


def vehicle(app, fleet_id: str):
    from app.extensions import db
    from app.models import Vehicle

    with app.app_context():
        found = db.session.scalar(select(Vehicle).where(Vehicle.fleet_id == fleet_id))
        db.session.expunge_all()
        return found


def test_register_export_reimport_changes_nothing(app, planner_client, tmp_path):
    from app.demo.service import load_demo_data

    with app.app_context():
        load_demo_data(seed=3, end=date(2026, 6, 30))
    for fmt in ("csv", "xlsx"):
        response = planner_client.get(f"/data/eksport/koeretoejer.{fmt}")
        assert response.status_code == 200
        path = tmp_path / f"register.{fmt}"
        path.write_bytes(response.data)
        before = _vehicles_hash(app)
        report = run(app, path, apply=False)
        assert report.ok, [e.text() for e in report.errors[:5]]
        assert (report.rows_added, report.rows_updated) == (0, 0)
        assert report.rows_skipped == report.rows_read == 94
        saved = run(app, path)
        assert saved.rows_added == saved.rows_updated == 0
        # Only a new ImportBatch row: every vehicle is exactly as before.
        assert _vehicles_hash(app) == before
    locations = planner_client.get("/data/eksport/lokationer.csv")
    path = tmp_path / "lokationer.csv"
    path.write_bytes(locations.data)
    report = run(app, path, kind="locations", apply=False)
    assert report.ok and report.rows_skipped == 5 and report.rows_added == report.rows_updated == 0


def _vehicles_hash(app):
    from app.extensions import db

    with app.app_context():
        return db.session.execute(db.text("SELECT * FROM vehicle ORDER BY id")).all()


def test_register_round_trip_keeps_every_vehicle_column(app, register, planner_client, tmp_path):
    before = _vehicles_hash(app)
    response = planner_client.get("/data/eksport/koeretoejer.csv")
    path = tmp_path / "register.csv"
    path.write_bytes(response.data)
    report = run(app, path)
    assert report.ok and report.rows_skipped == 5
    assert _vehicles_hash(app) == before


def test_import_keeps_disabled_unless_the_file_says_so_and_cleared_cells_clear(
    app, register, tmp_path
):
    path = tmp_path / "v.csv"
    # No "Deaktiveret" column: D1 stays disabled. A cleared Km/l clears the value.
    path.write_text(
        "Vognnummer;Type;Drivmiddel;Km/l;Wh/km\nD1;Elbil;El;;155\n264;Fossilbil;Benzin;;\n",
        encoding="utf-8",
    )
    report = run(app, path)
    assert report.ok and report.rows_updated == 2
    assert vehicle(app, "D1").disabled is True
    assert vehicle(app, "D1").wh_per_km == 155
    assert vehicle(app, "264").km_per_litre is None
    # A blank "Deaktiveret" cell also keeps it; "nej" enables.
    path.write_text("Vognnummer;Deaktiveret\nD1;\n", encoding="utf-8")
    assert run(app, path).rows_skipped == 1
    assert vehicle(app, "D1").disabled is True
    path.write_text("Vognnummer;Deaktiveret\nD1;nej\n", encoding="utf-8")
    assert run(app, path).rows_updated == 1
    assert vehicle(app, "D1").disabled is False


def test_import_creates_vehicles_departments_and_undo_removes_them(app, register, tmp_path):
    from app.data.service import undo_batch
    from app.extensions import db
    from app.models import AuditEvent, ImportBatch, VehicleLocationHistory

    path = tmp_path / "nye.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(
        [
            "Vognnummer",
            "Mærke",
            "Model",
            "Type",
            "Drivmiddel",
            "Lokation",
            "Forvaltning",
            "Afdeling",
            "Leasing slut",
            "Årlig omkostning kr",
        ]
    )
    book.active.append(
        [
            "NY1",
            "Kia",
            "e-Niro",
            "Elbil",
            "El",
            "Hjemmeplejen Syd",
            "Teknik og Miljø",
            "Vej og Park",
            date(2027, 5, 31),
            68000,
        ]
    )
    book.active.append(
        [
            "26",
            "Renault",
            "Zoe",
            "Elbil",
            "El",
            "Hjemmeplejen Syd",
            "",
            "",
            date(2028, 12, 31),
            61000,
        ]
    )
    book.save(path)
    report = run(app, path)
    assert report.ok, [e.text() for e in report.errors]
    assert (report.rows_added, report.rows_updated) == (1, 1)
    new = vehicle(app, "NY1")
    assert new.lease_end == date(2027, 5, 31) and new.yearly_cost_dkk == 68000
    with app.app_context():
        assert (
            db.session.get(type(new), new.id).department.full_name
            == "Teknik og Miljø / Vej og Park"
        )
        moved = vehicle(app, "26")
        assert moved.location_id == register["syd"] and moved.department_id is None
        history = db.session.scalars(
            select(VehicleLocationHistory).where(VehicleLocationHistory.vehicle_id == moved.id)
        ).all()
        assert len(history) == 2
        events = db.session.scalars(select(AuditEvent.action)).all()
        assert "vehicle_created" in events and "vehicle_updated" in events
        undo_batch(db.session.get(ImportBatch, report.batch_id))
    assert vehicle(app, "NY1") is None
    restored = vehicle(app, "26")
    assert restored.location_id == register["nord"] and restored.department_id is not None


def _post(client, url, data=None, **kwargs):
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, "/koeretoejer/")
    return client.post(url, data=data, **kwargs)


def test_create_vehicle_form_validates_type_fuel_and_consumption(app, register, planner_client):
    bad = _post(
        planner_client,
        "/koeretoejer/ny",
        {"fleet_id": "N1", "vehicle_type": "ev", "fuel": "diesel"},
    )
    assert bad.status_code == 422
    assert "Elbil kan ikke køre på Diesel" in bad.text
    missing = _post(
        planner_client,
        "/koeretoejer/ny",
        {"fleet_id": "N1", "vehicle_type": "ev", "fuel": "electricity"},
    )
    assert "Angiv Wh/km for en elbil." in missing.text
    out_of_range = _post(
        planner_client,
        "/koeretoejer/ny",
        {"fleet_id": "N1", "vehicle_type": "fossil", "fuel": "petrol", "km_per_litre": "190"},
    )
    assert "Km/l skal være mellem 3 og 60." in out_of_range.text
    duplicate = _post(
        planner_client,
        "/koeretoejer/ny",
        {"fleet_id": "26", "vehicle_type": "ev", "fuel": "electricity", "wh_per_km": "150"},
    )
    assert "allerede et køretøj med det vognnummer" in duplicate.text
    ok = _post(
        planner_client,
        "/koeretoejer/ny",
        {
            "fleet_id": "N1",
            "vehicle_type": "fossil",
            "fuel": "hvo",
            "km_per_litre": "14,5",
            "location_id": str(register["syd"]),
            "yearly_cost_dkk": "70.000",
        },
    )
    assert ok.status_code == 302
    created = vehicle(app, "N1")
    assert created.km_per_litre == 14.5 and created.yearly_cost_dkk == 70000
    assert created.location_id == register["syd"]


def test_edit_disable_enable_with_audit(app, register, planner_client):
    from app.extensions import db
    from app.models import AuditEvent

    vid = register["vehicles"]["264"]
    page = planner_client.get(f"/koeretoejer/{vid}")
    assert 'value="19.2"' in page.text
    response = _post(
        planner_client,
        f"/koeretoejer/{vid}",
        {
            "fleet_id": "264",
            "make": "Toyota",
            "model": "Yaris Cross",
            "vehicle_type": "fossil",
            "fuel": "petrol",
            "km_per_litre": "18",
            "yearly_cost_dkk": "49000",
        },
    )
    assert response.status_code == 302
    assert vehicle(app, "264").model == "Yaris Cross"
    _post(planner_client, f"/koeretoejer/{vid}/deaktiver")
    assert vehicle(app, "264").disabled is True
    _post(planner_client, f"/koeretoejer/{vid}/aktiver")
    assert vehicle(app, "264").disabled is False
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        updated = [e for e in events if e.action == "vehicle_updated"][-1]
        assert updated.details["model"] == {"før": "Yaris", "efter": "Yaris Cross"}
        assert updated.user_id is not None
        assert [e.action for e in events][-2:] == ["vehicle_disabled", "vehicle_enabled"]


def test_move_from_a_date_rehomes_later_trips_and_keeps_history(app, register, planner_client):
    from app.extensions import db
    from app.models import RoundTrip, VehicleLocationHistory

    vid = register["vehicles"]["26"]
    with app.app_context():
        for day in (1, 5, 9):
            db.session.add(
                RoundTrip(
                    vehicle_id=vid,
                    location_id=register["nord"],
                    start_time=local(2026, 4, day, 8),
                    end_time=local(2026, 4, day, 9),
                    distance_km=5,
                )
            )
        db.session.commit()
    response = _post(
        planner_client,
        f"/koeretoejer/{vid}/flyt",
        {"location_id": str(register["syd"]), "valid_from": "2026-04-05"},
    )
    assert response.status_code == 302
    assert "2 rundture er flyttet med" in planner_client.get(response.location).text
    with app.app_context():
        homes = dict(
            db.session.execute(
                select(RoundTrip.start_time, RoundTrip.location_id).where(
                    RoundTrip.vehicle_id == vid
                )
            ).all()
        )
        assert homes[local(2026, 3, 2, 8)] == register["nord"]
        assert homes[local(2026, 4, 1, 8)] == register["nord"]
        assert homes[local(2026, 4, 5, 8)] == register["syd"]
        assert homes[local(2026, 4, 9, 8)] == register["syd"]
        history = db.session.scalars(
            select(VehicleLocationHistory.valid_from)
            .where(VehicleLocationHistory.vehicle_id == vid)
            .order_by(VehicleLocationHistory.valid_from)
        ).all()
        assert history == [date(2024, 1, 1), date(2026, 4, 5)]
    assert vehicle(app, "26").location_id == register["syd"]


def test_delete_asks_first_and_removes_trips(app, register, planner_client):
    vid = register["vehicles"]["26"]
    page = planner_client.get(f"/koeretoejer/{vid}/slet")
    assert "fjerner også køretøjets <strong>1</strong> rundture" in page.text
    refused = _post(planner_client, f"/koeretoejer/{vid}/slet", {"confirm": "264"})
    assert refused.status_code == 302 and vehicle(app, "26") is not None
    done = _post(planner_client, f"/koeretoejer/{vid}/slet", {"confirm": "26"})
    assert done.status_code == 302
    assert vehicle(app, "26") is None and vehicle(app, "264") is not None
    assert count(app, "round_trip") == 0


def test_register_filters_sorting_paging_and_status_chips(app, register, planner_client):
    page = planner_client.get("/koeretoejer/")
    assert 'data-total="5"' in page.text
    assert ">deaktiveret<" in page.text and ">mangler data<" in page.text and ">OK<" in page.text
    partial = planner_client.get(
        "/koeretoejer/?status=deaktiveret",
        headers={"HX-Request": "true", "HX-Target": "vehicle-table"},
    )
    assert partial.text.lstrip().startswith('<section id="vehicle-table"')
    assert 'data-total="1"' in partial.text and 'data-fleet-id="D1"' in partial.text
    by_location = planner_client.get(f"/koeretoejer/?location={register['syd']}").text
    assert 'data-total="2"' in by_location
    search = planner_client.get("/koeretoejer/?q=yaris").text
    assert 'data-total="1"' in search and 'data-fleet-id="264"' in search
    ordered = planner_client.get("/koeretoejer/?sort=vognnummer&dir=ned").text
    assert ordered.index('data-fleet-id="CYK1"') < ordered.index('data-fleet-id="AB1001"')
    from app.vehicles import routes

    routes.PAGE_SIZE, old = 2, routes.PAGE_SIZE
    try:
        second = planner_client.get("/koeretoejer/?page=2").text
        assert "Side 2 af 3" in second and 'href="/koeretoejer/?page=3"' in second
    finally:
        routes.PAGE_SIZE = old
    # Filtered export: the same filters, exact rows.
    export = planner_client.get("/data/eksport/koeretoejer.csv?status=deaktiveret").data.decode(
        "utf-8-sig"
    )
    assert export.count("\r\n") == 2 and "D1;" in export


def test_model_catalogue_starter_set_is_admin_only(app, admin_client, planner_client):
    token = csrf_token(planner_client, "/koeretoejer/modeller")
    assert (
        planner_client.post(
            "/koeretoejer/modeller/startsaet", data={"csrf_token": token}
        ).status_code
        == 403
    )
    token = csrf_token(admin_client, "/koeretoejer/modeller")
    assert (
        admin_client.post("/koeretoejer/modeller/startsaet", data={"csrf_token": token}).status_code
        == 302
    )
    page = admin_client.get("/koeretoejer/modeller").text
    assert "Volkswagen ID.3 Pure" in page and "Kildemoes Logic E-bike" in page
    bad = admin_client.post(
        "/koeretoejer/modeller/ny",
        data={
            "csrf_token": token,
            "make": "Tesla",
            "model": "Model Y",
            "vehicle_type": "ev",
            "fuel": "petrol",
        },
    )
    assert bad.status_code == 422 and "Elbil kan ikke køre på Benzin" in bad.text
    good = admin_client.post(
        "/koeretoejer/modeller/ny",
        data={
            "csrf_token": token,
            "make": "Tesla",
            "model": "Model Y",
            "vehicle_type": "ev",
            "fuel": "electricity",
            "wh_per_km": "160",
            "range_km": "450",
            "yearly_cost_dkk": "75000",
        },
    )
    assert good.status_code == 302
    from app.extensions import db
    from app.models import VehicleModel

    with app.app_context():
        assert db.session.scalar(select(func.count(VehicleModel.id))) == 13
    assert "Tesla Model Y" in planner_client.get("/koeretoejer/modeller").text


def test_model_catalogue_import_is_admin_only_and_round_trips(app, admin_client, planner_client):
    from app.extensions import db
    from app.models import VehicleModel

    token = csrf_token(admin_client, "/koeretoejer/modeller")
    admin_client.post("/koeretoejer/modeller/startsaet", data={"csrf_token": token})
    exported = admin_client.get("/data/eksport/modeller.csv").data
    text = exported.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Mærke;Model;Type;Plugin-hybrid;Drivmiddel")
    changed = text.replace(
        "Volkswagen;ID.3 Pure;Elbil;nej;El;;155;", "Volkswagen;ID.3 Pure;Elbil;nej;El;;160;"
    )
    changed += "Tesla;Model Y;Elbil;nej;El;;160;450;75000;Eget tilbud\r\n"
    upload = {"kind": "models", "file": (io.BytesIO(changed.encode()), "modeller.csv")}
    planner_token = csrf_token(planner_client, "/data/")
    refused = planner_client.post(
        "/data/upload",
        data={**upload, "csrf_token": planner_token},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    upload = {"kind": "models", "file": (io.BytesIO(changed.encode()), "modeller.csv")}
    preview = admin_client.post(
        "/data/upload", data={**upload, "csrf_token": token}, content_type="multipart/form-data"
    )
    assert 'data-count="added">1<' in preview.text and 'data-count="updated">1<' in preview.text
    assert 'data-count="skipped">11 <' in preview.text
    upload_token = preview.text.split('name="token" value="')[1].split('"')[0]
    saved = admin_client.post(
        "/data/gem",
        data={
            "csrf_token": token,
            "kind": "models",
            "token": upload_token,
            "file_name": "modeller.csv",
        },
    )
    assert "Import nr." in saved.text
    with app.app_context():
        assert db.session.scalar(select(func.count(VehicleModel.id))) == 13
        id3 = db.session.scalar(select(VehicleModel).where(VehicleModel.model == "ID.3 Pure"))
        assert id3.wh_per_km == 160


def test_undo_of_a_vehicle_import_is_refused_when_later_trips_use_the_vehicle(
    app, register, admin_client, tmp_path
):
    from tests.data.conftest import fingerprint

    # System imports (no user, like the nightly load) are undone by an administrator.

    vehicles_file = tmp_path / "nye.csv"
    vehicles_file.write_text(
        "Vognnummer;Type;Drivmiddel;Lokation\nNY9;Elcykel;El;Hjemmeplejen Syd\n", encoding="utf-8"
    )
    batch = run(app, vehicles_file)
    trips_file = tmp_path / "ture.csv"
    trips_file.write_text("Køretøj;Start;Slut;Km\nNY9;05-03-2026 08:00;05-03-2026 09:00;5\n")
    assert run(app, trips_file, kind="trips").rows_added == 1
    before = fingerprint(app)
    token = csrf_token(admin_client, "/data/")
    admin_client.post(f"/data/import/{batch.batch_id}/fortryd", data={"csrf_token": token})
    page = admin_client.get("/data/").text
    assert "kan ikke fortrydes: Køretøjet NY9 har fået 1 rundture siden" in page
    assert fingerprint(app) == before


@pytest.mark.postgres
def test_register_import_and_undo_on_both_databases(any_db_app, tmp_path):
    from app.data.service import undo_batch
    from app.extensions import db
    from app.models import ImportBatch
    from tests.data.conftest import make_register

    app = any_db_app
    make_register(app)
    before = _vehicle_values(app)
    path = tmp_path / "v.csv"
    path.write_text(
        "Vognnummer;Type;Drivmiddel;Km/l;Lokation;Forvaltning;Afdeling;Leasing slut\n"
        "264;Fossilbil;Diesel;21,5;Hjemmeplejen Syd;Teknik og Miljø;Vej og Park;31-12-2027\n"
        "NY1;Elcykel;El;;Hjemmeplejen Nord;;;\n",
        encoding="utf-8",
    )
    report = run(app, path)
    assert report.ok and (report.rows_added, report.rows_updated) == (1, 1)
    assert vehicle(app, "264").fuel.value == "diesel"
    with app.app_context():
        undo_batch(db.session.get(ImportBatch, report.batch_id))
    assert _vehicle_values(app) == before  # every value as before (updated_at moves on)


def _vehicle_values(app) -> list[dict]:
    from app.extensions import db
    from app.models import Vehicle
    from app.vehicles.service import snapshot

    with app.app_context():
        return [snapshot(v) for v in db.session.scalars(select(Vehicle).order_by(Vehicle.id))]
