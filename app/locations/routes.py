"""Views of the locations list and the radius / parking-point editor."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from app.audit import changes, record
from app.data.gps import PRECISION_WARNING, location_precision
from app.data.locations_import import check_coordinates, check_radius, location_snapshot
from app.data.values import CellError, number, text
from app.extensions import db
from app.locations import bp
from app.models import Location, ParkingPoint, RoundTrip, Vehicle
from app.vehicles.forms import danish_number


def location_rows() -> list[dict]:
    vehicles = dict(
        db.session.execute(
            select(Vehicle.location_id, func.count(Vehicle.id))
            .where(Vehicle.disabled.is_(False))
            .group_by(Vehicle.location_id)
        ).all()
    )
    trips = {
        loc: (count, km)
        for loc, count, km in db.session.execute(
            select(
                RoundTrip.location_id, func.count(RoundTrip.id), func.sum(RoundTrip.distance_km)
            ).group_by(RoundTrip.location_id)
        )
    }
    precision = location_precision()
    rows = []
    for location in db.session.scalars(select(Location).order_by(Location.name)):
        count, km = trips.get(location.id, (0, 0.0))
        total, complete = precision.get(location.id, (0.0, 0.0))
        share = complete / total if total else None
        rows.append(
            {
                "location": location,
                "vehicles": vehicles.get(location.id, 0),
                "trips": count,
                "km": km or 0.0,
                "precision": share,
                "precision_low": share is not None and share < PRECISION_WARNING,
            }
        )
    return rows


@bp.get("/")
def index():
    return render_template("locations/index.html", rows=location_rows())


def _location(location_id: int) -> Location:
    return db.session.get(Location, location_id) or abort(404)


@bp.route("/ny", methods=["GET", "POST"], defaults={"location_id": None})
@bp.route("/<int:location_id>", methods=["GET", "POST"])
def edit(location_id: int | None):
    location = _location(location_id) if location_id else None
    errors: dict[str, str] = {}
    values = location_snapshot(location) if location else {"radius_m": 200}
    if request.method == "POST":
        values, errors = _read_form(request.form)
        clash = db.session.scalar(
            select(Location.id).where(
                func.lower(Location.name) == values.get("name", "").lower(),
                Location.id != (location.id if location else 0),
            )
        )
        if clash:
            errors["name"] = "Der findes allerede en lokation med det navn."
        if not errors:
            before = location_snapshot(location) if location else {}
            if location is None:
                location = Location(name=values["name"])
                db.session.add(location)
            for name in ("name", "address", "latitude", "longitude", "radius_m"):
                setattr(location, name, values[name])
            db.session.flush()
            record(
                "location_saved" if before else "location_created",
                location,
                changes(before, location_snapshot(location)),
            )
            db.session.commit()
            flash(f"Lokationen {location.name} er gemt.", "success")
            return redirect(url_for("locations.edit", location_id=location.id))
    return render_template(
        "locations/form.html", location=location, values=values, errors=errors
    ), (422 if errors else 200)


def _read_form(form) -> tuple[dict, dict]:
    values, errors = {}, {}
    try:
        values["name"] = text(form.get("name"))
        if not values["name"]:
            errors["name"] = "Angiv et navn."
    except CellError as problem:
        errors["name"] = str(problem)
    try:
        values["address"] = text(form.get("address"), 255)
    except CellError as problem:
        errors["address"] = str(problem)
    for name in ("latitude", "longitude", "radius_m"):
        try:
            values[name] = (
                danish_number(form.get(name)) if name == "radius_m" else number(form.get(name))
            )
        except CellError as problem:
            errors[name] = str(problem)
            values[name] = None
    try:
        check_coordinates(values.get("latitude"), values.get("longitude"))
    except CellError as problem:
        errors["latitude"] = str(problem)
    try:
        radius = values.get("radius_m") or 200
        check_radius(radius)
        values["radius_m"] = round(radius)
    except CellError as problem:
        errors["radius_m"] = str(problem)
    return values, errors


@bp.post("/<int:location_id>/parkering")
def add_parking_point(location_id: int):
    location = _location(location_id)
    try:
        lat, lon = number(request.form.get("latitude")), number(request.form.get("longitude"))
        if lat is None or lon is None:
            raise CellError("Angiv både breddegrad og længdegrad.")
        check_coordinates(lat, lon)
        radius = number(request.form.get("radius_m")) or 200
        check_radius(radius)
        name = text(request.form.get("name"))
    except CellError as problem:
        flash(f"Parkeringspladsen blev ikke gemt: {problem}", "error")
        return redirect(url_for("locations.edit", location_id=location.id))
    before = location_snapshot(location)
    location.parking_points.append(
        ParkingPoint(name=name, latitude=lat, longitude=lon, radius_m=round(radius))
    )
    db.session.flush()
    record("location_saved", location, changes(before, location_snapshot(location)))
    db.session.commit()
    flash("Parkeringspladsen er tilføjet.", "success")
    return redirect(url_for("locations.edit", location_id=location.id))


@bp.post("/<int:location_id>/parkering/<int:point_id>/slet")
def delete_parking_point(location_id: int, point_id: int):
    location = _location(location_id)
    point = db.session.get(ParkingPoint, point_id)
    if point is None or point.location_id != location.id:
        abort(404)
    before = location_snapshot(location)
    location.parking_points.remove(point)
    db.session.flush()
    record("location_saved", location, changes(before, location_snapshot(location)))
    db.session.commit()
    flash("Parkeringspladsen er fjernet.", "success")
    return redirect(url_for("locations.edit", location_id=location.id))
