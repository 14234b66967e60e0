"""The default ParameterSet: created on first start, versioned on every change."""

from __future__ import annotations

from app.audit import changes, record
from app.extensions import db
from app.models import ParameterSet
from app.parameters.catalogue import default_values

DEFAULT_NAME = "Standard"


def default_parameter_set() -> ParameterSet | None:
    return db.session.scalar(
        db.select(ParameterSet).where(ParameterSet.is_default).order_by(ParameterSet.id.desc())
    )


def ensure_default_parameter_set() -> ParameterSet:
    """The default set; a key the catalogue gained since the set was stored (e.g. after an
    upgrade) is added with its shipped default, as a new version in the audit log."""
    existing = default_parameter_set()
    if existing is not None:
        shipped = default_values()
        missing = {key: spec for key, spec in shipped.items() if key not in existing.values}
        if missing:
            return save_new_version(
                existing,
                {**existing.values, **missing},
                None,
                "Nye parametre med standardværdier: " + ", ".join(sorted(missing)) + ".",
            )
        return existing
    parameter_set = ParameterSet(
        name=DEFAULT_NAME,
        version=1,
        is_default=True,
        values=default_values(),
        notes="Standardværdier med kilder (Miljøstyrelsen/POGI, Skatterådet, NAF, Klimarådet).",
    )
    db.session.add(parameter_set)
    db.session.commit()
    return parameter_set


def save_new_version(current: ParameterSet, values: dict, user, notes: str = "") -> ParameterSet:
    """Store changed values as version n+1 and make it the default; old versions stay."""
    new = ParameterSet(
        name=current.name,
        version=current.version + 1,
        is_default=current.is_default,
        values=values,
        notes=notes,
        created_by_id=getattr(user, "id", None),
    )
    current.is_default = False
    db.session.add(new)
    db.session.flush()
    before, after = current.plain_values(), new.plain_values()
    record("parameters_changed", new, changes(before, after), user=user)
    db.session.commit()
    return new
