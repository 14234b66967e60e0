"""Locations: the list with vehicles, trips, km, precision; radius and parking points."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_token


def test_list_shows_vehicles_trips_and_km(app, register, viewer_client):
    page = viewer_client.get("/lokationer/").text
    nord = page.split('data-location="Hjemmeplejen Nord"')[1].split("</tr>")[0]
    assert 'data-trips="1"' in nord and ">20<" in nord and ">200 m<" in nord


def test_edit_radius_and_parking_points_with_audit(app, register, planner_client):
    from app.extensions import db
    from app.models import AuditEvent, Location

    lid = register["syd"]
    token = csrf_token(planner_client, f"/lokationer/{lid}")
    bad = planner_client.post(
        f"/lokationer/{lid}",
        data={
            "csrf_token": token,
            "name": "Hjemmeplejen Syd",
            "latitude": "56,1521",
            "longitude": "9,5602",
            "radius_m": "5",
        },
    )
    assert bad.status_code == 422 and "Radius skal være mellem 10 og 5000 meter." in bad.text
    ok = planner_client.post(
        f"/lokationer/{lid}",
        data={
            "csrf_token": token,
            "name": "Hjemmeplejen Syd",
            "address": "Sønderport 4",
            "latitude": "56,1521",
            "longitude": "9,5602",
            "radius_m": "350",
        },
    )
    assert ok.status_code == 302
    planner_client.post(
        f"/lokationer/{lid}/parkering",
        data={
            "csrf_token": token,
            "name": "Skolen",
            "latitude": "56.16",
            "longitude": "9.57",
            "radius_m": "120",
        },
    )
    with app.app_context():
        location = db.session.get(Location, lid)
        assert location.radius_m == 350
        assert [(p.name, p.radius_m) for p in location.parking_points] == [("Skolen", 120)]
        point_id = location.parking_points[0].id
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "Location")
        ).all()
        assert events[0].details["radius_m"] == {"før": 200, "efter": 350}
    planner_client.post(f"/lokationer/{lid}/parkering/{point_id}/slet", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Location, lid).parking_points == []


def test_locations_import_creates_and_updates_with_parking_points(app, register, tmp_path):
    from app.data.service import run_import, undo_batch
    from app.extensions import db
    from app.models import ImportBatch, Location

    path = tmp_path / "lokationer.csv"
    path.write_text(
        "Navn;Adresse;Breddegrad;Længdegrad;Radius m;Ekstra parkeringspladser\n"
        "Rådhuset;Torvet 1;56,1699;9,5488;250;56.1701 9.5501 | 56,1690 9,5470 80\n"
        "hjemmeplejen nord;Nørregade 12;56,1872;9,5491;300;\n",
        encoding="utf-8",
    )
    with app.app_context():
        report = run_import("locations", path, path.name, apply=True)
        assert report.ok, [e.text() for e in report.errors]
        assert (report.rows_added, report.rows_updated) == (1, 1)
        town_hall = db.session.scalar(select(Location).where(Location.name == "Rådhuset"))
        assert [(p.latitude, p.longitude, p.radius_m) for p in town_hall.parking_points] == [
            (56.1701, 9.5501, 200),
            (56.169, 9.547, 80),
        ]
        nord = db.session.get(Location, register["nord"])
        assert nord.radius_m == 300 and nord.parking_points == []  # a cleared cell clears
        undo_batch(db.session.get(ImportBatch, report.batch_id))
        assert db.session.scalar(select(Location).where(Location.name == "Rådhuset")) is None
        nord = db.session.get(Location, register["nord"])
        assert nord.radius_m == 200 and len(nord.parking_points) == 1
