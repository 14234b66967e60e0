"""Candidate model catalogue files (Mærke, Model, Type, Drivmiddel, consumption, cost).

Rows are matched on make + model (case-insensitive); new ones are added, known ones
updated. The same validation as a vehicle: type and fuel must agree, numbers in range.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.audit import changes, record
from app.data.columns import MODEL_COLUMNS, HeaderMap
from app.data.readers import Table
from app.data.report import ImportReport
from app.data.trips_import import _cell
from app.data.values import CellError, boolean, is_blank, number, text
from app.data.vehicles_import import _choice
from app.extensions import db
from app.models import VehicleModel
from app.vehicles import service as vehicles
from app.vehicles.catalogue import MODEL_FIELDS, model_snapshot

NUMBER_FIELDS = ("km_per_litre", "wh_per_km", "range_km", "yearly_cost_dkk")


@dataclass
class ModelPlan:
    items: list[tuple] = field(default_factory=list)  # (existing or None, values)


class ModelsImporter:
    kind = "models"
    label = "Modelkatalog"
    spec = MODEL_COLUMNS

    def prepare(self, table: Table, columns: HeaderMap, report: ImportReport, progress):
        plan = ModelPlan()
        existing = {
            (m.make.casefold(), m.model.casefold()): m
            for m in db.session.scalars(select(VehicleModel))
        }
        label = {c.field: columns.headers.get(c.field, c.label) for c in MODEL_COLUMNS.columns}
        seen: dict[tuple, int] = {}
        report.sample_columns = ["Model", "Handling"]
        for row_number, cells in table.rows:
            report.rows_read += 1
            values: dict = {}
            ok = True
            for name, index in columns.index.items():
                raw = _cell(cells, index)
                try:
                    if name in ("make", "model"):
                        values[name] = text(raw, 60)
                    elif name == "source":
                        values[name] = text(raw, 500)
                    elif name == "vehicle_type":
                        values[name] = _choice(raw, vehicles.TYPE_BY_NAME, "Ukendt type.")
                    elif name == "fuel":
                        values[name] = _choice(raw, vehicles.FUEL_BY_NAME, "Ukendt drivmiddel.")
                    elif name == "plug_in_hybrid":
                        values[name] = bool(boolean(raw))
                    elif name in NUMBER_FIELDS:
                        values[name] = number(raw)
                except CellError as problem:
                    report.error(row_number, label[name], raw, str(problem))
                    ok = False
            if not ok:
                continue
            if is_blank(values.get("make")) or is_blank(values.get("model")):
                report.error(row_number, label["model"], "", "Mærke og model skal udfyldes.")
                continue
            problems = vehicles.validate({**values, "fleet_id": "katalog"}, strict=False)
            if problems:
                for name, message in problems.items():
                    report.error(row_number, label.get(name, name), values.get(name), message)
                continue
            key = (values["make"].casefold(), values["model"].casefold())
            if key in seen:
                report.error(
                    row_number,
                    label["model"],
                    values["model"],
                    f"Modellen står også i række {seen[key]}.",
                )
                continue
            seen[key] = row_number
            item = existing.get(key)
            if item is None:
                report.rows_added += 1
                report.add_sample([f"{values['make']} {values['model']}", "opret"])
            else:
                current = model_snapshot(item)
                new = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
                if all(current.get(k) == v for k, v in new.items()):
                    report.rows_skipped += 1
                    continue
                report.rows_updated += 1
                report.add_sample([f"{values['make']} {values['model']}", "opdatér"])
            plan.items.append((item, values))
        if report.rows_read == 0:
            report.file_error("Filen har overskrifter, men ingen rækker med data.")
        return plan

    def apply(self, plan: ModelPlan, batch, report: ImportReport, progress) -> None:
        created, updated = [], {}
        for item, values in plan.items:
            before = model_snapshot(item) if item else {}
            if item is None:
                item = VehicleModel(plug_in_hybrid=False, source="")
                db.session.add(item)
            else:
                updated[item.id] = before
            for name, value in values.items():
                setattr(item, name, value)
            db.session.flush()
            if not before:
                created.append(item.id)
            record(
                "vehicle_model_saved",
                item,
                {**changes(before, model_snapshot(item)), "import": batch.id},
            )
        batch.details = {**(batch.details or {}), "created": created, "updated": updated}

    def undo(self, batch) -> None:
        from app.models import Fuel, VehicleType

        details = batch.details or {}
        for model_id in details.get("created", []):
            item = db.session.get(VehicleModel, model_id)
            if item is not None:
                db.session.delete(item)
        for model_id, before in details.get("updated", {}).items():
            item = db.session.get(VehicleModel, int(model_id))
            if item is None:
                continue
            for name in MODEL_FIELDS:
                value = before.get(name)
                if name == "vehicle_type":
                    value = VehicleType(value)
                elif name == "fuel":
                    value = Fuel(value)
                setattr(item, name, value)
