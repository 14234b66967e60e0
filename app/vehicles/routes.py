"""Views of the vehicle register and the model catalogue (logic in service.py)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.args import bounded_int
from app.auth.access import role_required
from app.data.values import CellError, calendar_date
from app.extensions import db
from app.models import (
    FUEL_LABELS,
    LEASE_TYPE_LABELS,
    VEHICLE_TYPE_LABELS,
    Administration,
    Department,
    Location,
    Role,
    RoundTrip,
    Vehicle,
    VehicleModel,
)
from app.vehicles import bp, catalogue, service
from app.vehicles.forms import read_model_form, read_vehicle_form

PAGE_SIZE = 25
SORTS = {
    "vognnummer": lambda v: v.fleet_id.casefold(),
    "model": lambda v: f"{v.make} {v.model}".casefold(),
    "type": lambda v: v.type_label,
    "drivmiddel": lambda v: v.fuel_label,
    "lokation": lambda v: v.location.name.casefold() if v.location else "",
    "afdeling": lambda v: v.department.name.casefold() if v.department else "",
    "status": lambda v: v._status,
    "omkostning": lambda v: v.yearly_cost_dkk if v.yearly_cost_dkk is not None else -1,
    "rundture": lambda v: v._trips,
}
FILTER_KEYS = ("q", "location", "administration", "department", "type", "status", "sort", "dir")


@bp.app_template_filter("form_number")
def form_number(value) -> str:
    """A number for an <input>: blank for None, no ".0" on whole numbers."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def filtered_vehicles(args) -> list[Vehicle]:
    """The register filtered and sorted as the URL says (also used by the export)."""
    query = select(Vehicle).options(joinedload(Vehicle.location), joinedload(Vehicle.department))
    if q := args.get("q", "").strip():
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(Vehicle.fleet_id).like(like),
                func.lower(Vehicle.plate).like(like),
                func.lower(Vehicle.make).like(like),
                func.lower(Vehicle.model).like(like),
            )
        )
    if (location := args.get("location", type=bounded_int)) is not None:
        query = query.where(Vehicle.location_id == location)
    if (department := args.get("department", type=bounded_int)) is not None:
        query = query.where(Vehicle.department_id == department)
    if (administration := args.get("administration", type=bounded_int)) is not None:
        query = query.join(Department, Department.id == Vehicle.department_id).where(
            Department.administration_id == administration
        )
    if vtype := args.get("type"):
        query = query.where(Vehicle.vehicle_type == vtype)
    vehicles = db.session.scalars(query).unique().all()
    today = service.today()
    counts = dict(
        db.session.execute(
            select(RoundTrip.vehicle_id, func.count(RoundTrip.id)).group_by(RoundTrip.vehicle_id)
        ).all()
    )
    for vehicle in vehicles:
        vehicle._status = vehicle.status(today)
        vehicle._trips = counts.get(vehicle.id, 0)
    if status := args.get("status"):
        vehicles = [v for v in vehicles if v._status == status]
    sort = args.get("sort", "vognnummer")
    vehicles.sort(key=SORTS.get(sort, SORTS["vognnummer"]), reverse=args.get("dir") == "ned")
    return vehicles


def _choices() -> dict:
    return {
        "locations": db.session.scalars(select(Location).order_by(Location.name)).all(),
        "administrations": db.session.scalars(
            select(Administration).order_by(Administration.name)
        ).all(),
        "departments": db.session.scalars(
            select(Department).join(Administration).order_by(Administration.name, Department.name)
        ).all(),
        "types": VEHICLE_TYPE_LABELS,
        "fuels": FUEL_LABELS,
        "lease_types": LEASE_TYPE_LABELS,
        "statuses": service.STATUSES,
    }


@bp.get("/")
def index():
    vehicles = filtered_vehicles(request.args)
    page = max(request.args.get("page", 1, type=bounded_int), 1)
    pages = max((len(vehicles) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(page, pages)
    shown = vehicles[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    filters = {k: request.args.get(k, "") for k in FILTER_KEYS}

    def page_url(**changes) -> str:
        merged = {**filters, "page": page, **changes}
        return url_for("vehicles.index", **{k: v for k, v in merged.items() if v not in ("", 1)})

    context = dict(
        vehicles=shown,
        total=len(vehicles),
        page=page,
        pages=pages,
        filters=filters,
        page_url=page_url,
        **_choices(),
    )
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "vehicle-table":
        return render_template("vehicles/_table.html", **context)
    return render_template("vehicles/index.html", **context)


def _vehicle(vehicle_id: int) -> Vehicle:
    return db.session.get(Vehicle, vehicle_id) or abort(404)


def _form_page(vehicle, values, errors, status=200):
    return render_template(
        "vehicles/form.html", vehicle=vehicle, values=values, errors=errors, **_choices()
    ), status


@bp.route("/ny", methods=["GET", "POST"])
def create():
    # Only POST writes: HEAD (and GET) render the form (HEAD once ran the write branch).
    if request.method == "POST":
        return _create_vehicle()
    preset = {}
    if (model_id := request.args.get("model", type=bounded_int)) and (
        model := db.session.get(VehicleModel, model_id)
    ):
        preset = catalogue.model_snapshot(model)
        preset["vehicle_type"] = model.vehicle_type
        preset["fuel"] = model.fuel
    return _form_page(None, preset, {})


def _known_choices(values: dict, errors: dict) -> dict:
    """A location or department id from the form that is no row (a stale page or a
    hand-made request) is a field message, not a foreign-key error."""
    for name, model in (("location_id", Location), ("department_id", Department)):
        if values.get(name) and db.session.get(model, values[name]) is None:
            errors[name] = "Ugyldigt valg."
    return errors


def _create_vehicle():
    values, errors = read_vehicle_form(request.form)
    errors = _known_choices(values, {**service.validate(values, strict=True), **errors})
    if values["fleet_id"] and db.session.scalar(
        select(Vehicle.id).where(Vehicle.fleet_id == values["fleet_id"])
    ):
        errors["fleet_id"] = "Der findes allerede et køretøj med det vognnummer."
    if errors:
        return _form_page(None, values, errors, 422)
    vehicle = Vehicle(fleet_id=values["fleet_id"])
    db.session.add(vehicle)
    for name in service.FIELDS:
        if name not in ("location_id", "disabled"):
            setattr(vehicle, name, values.get(name))
    vehicle.disabled = False
    if values["location_id"]:
        service.set_home(vehicle, values["location_id"], service.today())
        vehicle.location_id = values["location_id"]
    db.session.flush()
    from app.audit import record

    record("vehicle_created", vehicle, {"efter": service.snapshot(vehicle)})
    db.session.commit()
    flash(f"Køretøjet {vehicle.fleet_id} er oprettet.", "success")
    return redirect(url_for("vehicles.index"))


@bp.route("/<int:vehicle_id>", methods=["GET", "POST"])
def edit(vehicle_id: int):
    vehicle = _vehicle(vehicle_id)
    if request.method == "POST":
        return _save_vehicle(vehicle)
    values = service.snapshot(vehicle)
    values.update(
        vehicle_type=vehicle.vehicle_type,
        fuel=vehicle.fuel,
        lease_type=vehicle.lease_type,
        lease_start=vehicle.lease_start,
        lease_end=vehicle.lease_end,
    )
    return _form_page(vehicle, values, {})


def _save_vehicle(vehicle: Vehicle):
    values, errors = read_vehicle_form(request.form)
    errors = _known_choices(values, {**service.validate(values, strict=True), **errors})
    clash = db.session.scalar(
        select(Vehicle.id).where(Vehicle.fleet_id == values["fleet_id"], Vehicle.id != vehicle.id)
    )
    if clash:
        errors["fleet_id"] = "Der findes allerede et køretøj med det vognnummer."
    if errors:
        return _form_page(vehicle, values, errors, 422)
    before = service.snapshot(vehicle)
    for name in service.FIELDS:
        # Location changes go through "Flyt" (with a date and history); state has buttons.
        if name not in ("location_id", "disabled"):
            setattr(vehicle, name, values.get(name))
    if vehicle.location_id is None and values["location_id"]:
        service.set_home(vehicle, values["location_id"], service.today())
        vehicle.location_id = values["location_id"]
    service.audit_change(vehicle, before)
    db.session.commit()
    flash(f"Køretøjet {vehicle.fleet_id} er gemt.", "success")
    return redirect(url_for("vehicles.index"))


@bp.post("/<int:vehicle_id>/deaktiver")
def disable(vehicle_id: int):
    return _set_disabled(_vehicle(vehicle_id), True)


@bp.post("/<int:vehicle_id>/aktiver")
def enable(vehicle_id: int):
    return _set_disabled(_vehicle(vehicle_id), False)


def _set_disabled(vehicle: Vehicle, disabled: bool):
    before = service.snapshot(vehicle)
    vehicle.disabled = disabled
    service.audit_change(vehicle, before, "vehicle_disabled" if disabled else "vehicle_enabled")
    db.session.commit()
    flash(
        f"Køretøjet {vehicle.fleet_id} er {'deaktiveret' if disabled else 'aktiveret'}.", "success"
    )
    return redirect(request.referrer or url_for("vehicles.index"))


@bp.route("/<int:vehicle_id>/flyt", methods=["GET", "POST"])
def move(vehicle_id: int):
    vehicle = _vehicle(vehicle_id)
    locations = db.session.scalars(select(Location).order_by(Location.name)).all()
    errors = {}
    if request.method == "POST":
        location_id = request.form.get("location_id", type=bounded_int)
        location = db.session.get(Location, location_id) if location_id else None
        try:
            valid_from = calendar_date(request.form.get("valid_from"))
        except CellError:
            valid_from = None
        if location is None:
            errors["location_id"] = "Vælg en lokation."
        if valid_from is None:
            errors["valid_from"] = "Angiv datoen, flytningen gælder fra."
        if not errors:
            moved = service.move_vehicle(vehicle, location, valid_from)
            db.session.commit()
            flash(
                f"{vehicle.fleet_id} hører til {location.name} fra {valid_from:%d-%m-%Y}; "
                f"{moved} rundture er flyttet med.",
                "success",
            )
            return redirect(url_for("vehicles.move", vehicle_id=vehicle.id))
    return render_template(
        "vehicles/move.html",
        vehicle=vehicle,
        locations=locations,
        errors=errors,
        today=date.today(),
    ), (422 if errors else 200)


@bp.route("/<int:vehicle_id>/slet", methods=["GET", "POST"])
def delete(vehicle_id: int):
    vehicle = _vehicle(vehicle_id)
    if request.method == "POST":
        return _delete_vehicle(vehicle)
    return render_template(
        "vehicles/delete.html", vehicle=vehicle, trips=service.trip_count(vehicle.id)
    )


def _delete_vehicle(vehicle: Vehicle):
    if request.form.get("confirm") != vehicle.fleet_id:
        flash("Skriv køretøjets vognnummer for at bekræfte sletningen.", "error")
        return redirect(url_for("vehicles.delete", vehicle_id=vehicle.id))
    fleet_id = vehicle.fleet_id
    trips = service.delete_vehicle(vehicle)
    db.session.commit()
    flash(f"Køretøjet {fleet_id} og dets {trips} rundture er slettet.", "success")
    return redirect(url_for("vehicles.index"))


# Model catalogue ------------------------------------------------------------------------


@bp.get("/modeller")
def models():
    items = db.session.scalars(
        select(VehicleModel).order_by(VehicleModel.make, VehicleModel.model)
    ).all()
    return render_template("vehicles/models.html", models=items)


@bp.post("/modeller/startsaet")
@role_required(Role.ADMIN)
def starter_set():
    added = catalogue.load_starter_set(user=current_user)
    flash(f"{added} modeller fra startsættet er tilføjet.", "success")
    return redirect(url_for("vehicles.models"))


@bp.route("/modeller/ny", methods=["GET", "POST"], defaults={"model_id": None})
@bp.route("/modeller/<int:model_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_model(model_id: int | None):
    item = db.session.get(VehicleModel, model_id) if model_id else None
    if model_id and item is None:
        abort(404)
    if request.method == "POST":
        return _save_model(item)
    values = {}
    if item:
        values = catalogue.model_snapshot(item)
        values.update(vehicle_type=item.vehicle_type, fuel=item.fuel)
    return render_template(
        "vehicles/model_form.html", item=item, values=values, errors={}, **_choices()
    )


def _save_model(item: VehicleModel | None):
    values, errors = read_model_form(request.form)
    check = {**values, "fleet_id": "katalog"}
    errors = {**service.validate(check, strict=True), **errors}
    clash = db.session.scalar(
        select(VehicleModel.id).where(
            VehicleModel.make == values["make"],
            VehicleModel.model == values["model"],
            VehicleModel.id != (item.id if item else 0),
        )
    )
    if clash:
        errors["model"] = "Modellen findes allerede i kataloget."
    if errors:
        return render_template(
            "vehicles/model_form.html", item=item, values=values, errors=errors, **_choices()
        ), 422
    catalogue.save_model(item, values, user=current_user)
    flash(f"Modellen {values['make']} {values['model']} er gemt.", "success")
    return redirect(url_for("vehicles.models"))


@bp.post("/modeller/<int:model_id>/slet")
@role_required(Role.ADMIN)
def delete_model(model_id: int):
    item = db.session.get(VehicleModel, model_id) or abort(404)
    from app.audit import record

    record("vehicle_model_deleted", item, {"før": catalogue.model_snapshot(item)})
    db.session.delete(item)
    db.session.commit()
    flash(f"Modellen {item.name} er slettet.", "success")
    return redirect(url_for("vehicles.models"))
