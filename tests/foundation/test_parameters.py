"""The parameter catalogue (what admins edit, with sources) agrees with the engine."""

from __future__ import annotations

from app.engine import Parameters
from app.parameters.catalogue import CATALOGUE, to_engine_parameters
from app.parameters.forms import parse_value


def _lookup(tree: dict, dotted: str):
    for part in dotted.split("."):
        tree = tree[part]
    return tree


def test_catalogue_defaults_equal_engine_defaults():
    engine = Parameters().to_dict()
    for spec in CATALOGUE:
        assert _lookup(engine, spec.key) == spec.value, spec.key


def test_every_catalogue_value_has_unit_source_and_year():
    for spec in CATALOGUE:
        assert spec.unit and spec.source and spec.year, spec.key


def test_catalogue_converts_to_valid_engine_parameters():
    nested = to_engine_parameters({spec.key: spec.value for spec in CATALOGUE})
    assert Parameters.from_dict(nested).to_dict() == Parameters().to_dict()


def test_danish_number_input():
    assert parse_value("co2_value_dkk_per_t", "1.500") == 1500
    assert parse_value("emission_kg_per_unit.petrol", "2,52") == 2.52
    assert parse_value("emission_kg_per_unit.petrol", "2.52") == 2.52
    assert parse_value("unserved.max_trips_per_pool", "") is None
    assert parse_value("bike.windows", "07:00-15:30, 16:00-18:00") == [
        ["07:00", "15:30"],
        ["16:00", "18:00"],
    ]


def test_admin_saves_new_parameter_version_with_audit(app, admin_client):
    from app.extensions import db
    from app.models import AuditEvent, ParameterSet
    from tests.conftest import csrf_token

    token = csrf_token(admin_client, "/admin/parametre")
    form = {"csrf_token": token}
    for spec in CATALOGUE:
        from app.parameters.forms import format_value

        form[spec.key] = format_value(spec.value)
    form["energy_price_dkk_per_unit.petrol"] = "13,10"
    response = admin_client.post("/admin/parametre", data=form)
    assert response.status_code == 302
    with app.app_context():
        sets = db.session.scalars(db.select(ParameterSet).order_by(ParameterSet.version)).all()
        assert [s.version for s in sets] == [1, 2]
        assert sets[1].is_default and not sets[0].is_default
        assert sets[1].values["energy_price_dkk_per_unit.petrol"]["value"] == 13.1
        assert sets[0].values["energy_price_dkk_per_unit.petrol"]["value"] == 12.33
        event = db.session.scalar(
            db.select(AuditEvent).where(AuditEvent.action == "parameters_changed")
        )
        assert event.details["energy_price_dkk_per_unit.petrol"] == {"før": 12.33, "efter": 13.1}
