"""Candidate vehicle models for scenarios, with a starter set of common models.

Starter figures: WLTP consumption and range from the makers' Danish price lists (2024-25),
yearly cost = typical operational lease incl. insurance and service, no energy. They are
a starting point; the admin corrects them to the municipality's own contracts.
"""

from __future__ import annotations

from sqlalchemy import select

from app.audit import changes, record
from app.extensions import db
from app.models import Fuel, VehicleModel, VehicleType

STARTER_SET = [
    ("Volkswagen", "ID.3 Pure", VehicleType.EV, Fuel.ELECTRICITY, None, 155, 388, 62_000),
    ("Renault", "Zoe R135", VehicleType.EV, Fuel.ELECTRICITY, None, 172, 390, 61_000),
    ("Peugeot", "e-208", VehicleType.EV, Fuel.ELECTRICITY, None, 155, 400, 60_000),
    ("Kia", "e-Niro", VehicleType.EV, Fuel.ELECTRICITY, None, 159, 455, 68_000),
    ("Skoda", "Enyaq 60", VehicleType.EV, Fuel.ELECTRICITY, None, 170, 410, 72_000),
    ("Citroën", "ë-Berlingo Van", VehicleType.EV, Fuel.ELECTRICITY, None, 210, 280, 70_000),
    ("Volkswagen", "ID. Buzz Cargo", VehicleType.EV, Fuel.ELECTRICITY, None, 215, 400, 85_000),
    ("Toyota", "Yaris 1.5 Hybrid", VehicleType.FOSSIL, Fuel.PETROL, 26.3, None, None, 48_000),
    ("Volkswagen", "Polo 1.0 TSI", VehicleType.FOSSIL, Fuel.PETROL, 19.6, None, None, 46_000),
    ("Ford", "Transit Custom 2.0 (HVO)", VehicleType.FOSSIL, Fuel.HVO, 13.5, None, None, 72_000),
    ("Kildemoes", "Logic E-bike", VehicleType.EBIKE, Fuel.ELECTRICITY, None, 10, 80, 6_000),
    ("Winther", "Cykel 7 gear", VehicleType.BIKE, Fuel.NONE, None, None, None, 2_000),
]
SOURCE = "Startsæt: fabrikantens WLTP-tal og typisk leasingpris 2024-25 (ret til egne aftaler)"


def load_starter_set(user=None) -> int:
    """Add the starter models that are not in the catalogue yet; returns how many."""
    existing = {(m.make, m.model) for m in db.session.scalars(select(VehicleModel))}
    added = 0
    for make, model, vtype, fuel, kml, whkm, range_km, cost in STARTER_SET:
        if (make, model) in existing:
            continue
        db.session.add(
            VehicleModel(
                make=make,
                model=model,
                vehicle_type=vtype,
                fuel=fuel,
                km_per_litre=kml,
                wh_per_km=whkm,
                range_km=range_km,
                yearly_cost_dkk=cost,
                source=SOURCE,
            )
        )
        added += 1
    record("vehicle_models_starter_set", None, {"tilføjet": added}, user=user)
    db.session.commit()
    return added


MODEL_FIELDS = (
    "make",
    "model",
    "vehicle_type",
    "plug_in_hybrid",
    "fuel",
    "km_per_litre",
    "wh_per_km",
    "range_km",
    "yearly_cost_dkk",
    "source",
)


def model_snapshot(item: VehicleModel) -> dict:
    data = {}
    for name in MODEL_FIELDS:
        value = getattr(item, name)
        data[name] = value.value if hasattr(value, "value") else value
    return data


def save_model(item: VehicleModel | None, values: dict, user=None) -> VehicleModel:
    before = model_snapshot(item) if item else {}
    if item is None:
        item = VehicleModel()
        db.session.add(item)
    for name in MODEL_FIELDS:
        setattr(item, name, values.get(name))
    db.session.flush()
    record(
        "vehicle_model_saved",
        item,
        changes(before, model_snapshot(item)),
        user=user,
    )
    db.session.commit()
    return item
