"""Read-only JSON API for BI tools: one endpoint per table, a personal token per user.

`Authorization: Bearer fo_...` (see api_tokens.load_user_from_request; the normal
access rules then apply: a request without a valid token is sent to the login page).
Pages of at most 10.000 rows, continued with `?after_id=<next_after_id>`. Times are
ISO 8601 with the Danish offset.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.args import bounded_int
from app.data import api_bp
from app.extensions import db
from app.models import LOCAL_TZ, ImportBatch, Location, RoundTrip, Vehicle

MAX_LIMIT = 10_000


def _local(moment):
    return moment.astimezone(LOCAL_TZ).isoformat() if moment else None


def _page(model, query, serialise):
    limit = min(max(request.args.get("limit", 1000, type=bounded_int), 1), MAX_LIMIT)
    after_id = request.args.get("after_id", 0, type=bounded_int)
    rows = (
        db.session.scalars(query.where(model.id > after_id).order_by(model.id).limit(limit))
        .unique()
        .all()
    )
    return jsonify(
        data=[serialise(r) for r in rows],
        next_after_id=rows[-1].id if len(rows) == limit else None,
    )


@api_bp.get("/vehicles")
def vehicles():
    query = select(Vehicle).options(joinedload(Vehicle.location), joinedload(Vehicle.department))
    return _page(
        Vehicle,
        query,
        lambda v: {
            "id": v.id,
            "fleet_id": v.fleet_id,
            "plate": v.plate,
            "make": v.make,
            "model": v.model,
            "vehicle_type": v.vehicle_type.value,
            "plug_in_hybrid": v.plug_in_hybrid,
            "fuel": v.fuel.value,
            "km_per_litre": v.km_per_litre,
            "wh_per_km": v.wh_per_km,
            "range_km": v.range_km,
            "yearly_cost_dkk": v.yearly_cost_dkk,
            "location_id": v.location_id,
            "location": v.location.name if v.location else None,
            "department": v.department.name if v.department else None,
            "administration": v.department.administration.name if v.department else None,
            "lease_type": v.lease_type.value if v.lease_type else None,
            "lease_start": v.lease_start.isoformat() if v.lease_start else None,
            "lease_end": v.lease_end.isoformat() if v.lease_end else None,
            "yearly_km_allowance": v.yearly_km_allowance,
            "disabled": v.disabled,
            "candidate": v.candidate,
        },
    )


@api_bp.get("/locations")
def locations():
    return _page(
        Location,
        select(Location),
        lambda loc: {
            "id": loc.id,
            "name": loc.name,
            "address": loc.address,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "radius_m": loc.radius_m,
            "parking_points": [
                {"latitude": p.latitude, "longitude": p.longitude, "radius_m": p.radius_m}
                for p in loc.parking_points
            ],
        },
    )


@api_bp.get("/round_trips")
def round_trips():
    query = select(RoundTrip)
    from app.vehicles.service import local_midnight

    try:
        if start := request.args.get("start"):
            query = query.where(RoundTrip.start_time >= local_midnight(date.fromisoformat(start)))
        if end := request.args.get("end"):
            limit = local_midnight(date.fromisoformat(end) + timedelta(days=1))
            query = query.where(RoundTrip.start_time < limit)
    except ValueError:
        return jsonify(error="start og end skal være datoer som 2026-01-31."), 400
    if location_id := request.args.get("location_id", type=bounded_int):
        query = query.where(RoundTrip.location_id == location_id)
    if vehicle_id := request.args.get("vehicle_id", type=bounded_int):
        query = query.where(RoundTrip.vehicle_id == vehicle_id)
    return _page(
        RoundTrip,
        query,
        lambda t: {
            "id": t.id,
            "vehicle_id": t.vehicle_id,
            "location_id": t.location_id,
            "start": _local(t.start_time),
            "end": _local(t.end_time),
            "distance_km": t.distance_km,
            "driving_minutes": t.driving_minutes,
            "import_batch_id": t.import_batch_id,
        },
    )


@api_bp.get("/import_batches")
def import_batches():
    return _page(
        ImportBatch,
        select(ImportBatch),
        lambda b: {
            "id": b.id,
            "kind": b.kind,
            "file_name": b.file_name,
            "checksum": b.checksum,
            "created_at": _local(b.created_at),
            "status": b.status,
            "rows_read": b.rows_read,
            "rows_added": b.rows_added,
            "rows_updated": b.rows_updated,
            "rows_skipped": b.rows_skipped,
        },
    )
