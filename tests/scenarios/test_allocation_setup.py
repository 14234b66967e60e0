"""The allocation settings on the setup page: shown with their defaults, stored as scenario
overrides, checked with Danish messages, kept by a duplicate, and given to the engine."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from app.engine import FleetCount, simulate
from app.engine.validate import validate
from app.extensions import db
from app.models.scenarios import Scenario
from app.scenarios.inputs import engine_parameters, problem_from_snapshot
from tests.conftest import csrf_token
from tests.scenarios.conftest import DEMO_END, SHORT_START, client_for, location_id

SHARE = "param__allocation.bike_share_pct"


def form(app, name: str, locations: list[str], **fields) -> dict:
    data = {
        "name": name,
        "kind": "simulate",
        "period_start": SHORT_START.isoformat(),
        "period_end": DEMO_END.isoformat(),
        "location_ids": [str(location_id(app, loc)) for loc in locations],
        "pooled": "1",
    }
    data.update(fields)
    return data


def post(app, client, data):
    data = {"csrf_token": csrf_token(client, "/scenarier/ny"), **data}
    return client.post("/scenarier/ny", data=data)


def scenario_named(app, name: str) -> SimpleNamespace:
    """The stored scenario's fields (read while the session is open)."""
    with app.app_context():
        s = db.session.scalar(db.select(Scenario).where(Scenario.name == name))
        return SimpleNamespace(
            id=s.id, setup=s.setup, snapshot=s.snapshot, snapshot_summary=s.snapshot_summary,
            duplicated_from_id=s.duplicated_from_id,
        )  # fmt: skip


def test_form_shows_the_share_with_its_default_and_a_checkbox_per_location(demo_app):
    client = client_for(demo_app, "planner@kommune.dk")
    page = client.get("/scenarier/ny").text
    assert "5. Fordeling af ture" in page
    field = re.search(rf'<input type="number" id="{re.escape(SHARE)}"[^>]*>', page).group(0)
    assert 'value="50"' in field and 'min="0"' in field and 'max="100"' in field
    assert "Standard: 50 %." in page and "planlægningsantagelse" in page
    for name in ("Hjemmeplejen Nord", "Rådhuset"):
        loc = location_id(demo_app, name)
        assert f'name="keep_type_{loc}" value="1"> {name}' in page
    # the share is not offered twice (also in the table of other parameters)
    assert page.count(f'name="{SHARE}"') == 1


def test_form_stores_both_as_overrides_and_a_duplicate_keeps_them(demo_app):
    client = client_for(demo_app, "planner@kommune.dk")
    nord, syd = location_id(demo_app, "Hjemmeplejen Nord"), location_id(demo_app, "Rådhuset")
    materiel = location_id(demo_app, "Materielgården")
    data = form(
        demo_app, "Fordeling fra formularen", ["Hjemmeplejen Nord", "Rådhuset"],
        **{SHARE: "35", f"keep_type_{nord}": "1", f"keep_type_{materiel}": "1"},
    )  # fmt: skip
    response = post(demo_app, client, data)
    assert response.status_code == 302, response.text
    scenario = scenario_named(demo_app, "Fordeling fra formularen")
    overrides = scenario.setup["overrides"]
    # Materielgården is not chosen: its checkbox counts no more than its shift field would
    assert overrides["allocation.bike_share_pct"] == 35
    assert overrides["allocation.keep_type_locations"] == ["Hjemmeplejen Nord"]
    assert scenario.snapshot["parameters"]["allocation"] == {
        "bike_share_pct": 35,
        "keep_type_locations": ["Hjemmeplejen Nord"],
    }
    copy = client.get(f"/scenarier/ny?fra={scenario.id}").text
    assert re.search(rf'id="{re.escape(SHARE)}"[^>]*value="35"', copy)
    assert f'name="keep_type_{nord}" value="1" checked>' in copy
    assert f'name="keep_type_{syd}" value="1">' in copy  # not checked
    # posting the duplicate's form as shown stores the same settings
    again = form(
        demo_app, "Kopi af fordeling", ["Hjemmeplejen Nord", "Rådhuset"],
        **{SHARE: "35", f"keep_type_{nord}": "1", "duplicated_from": str(scenario.id)},
    )  # fmt: skip
    assert post(demo_app, client, again).status_code == 302
    duplicate = scenario_named(demo_app, "Kopi af fordeling")
    assert duplicate.duplicated_from_id == scenario.id
    assert (
        duplicate.snapshot["parameters"]["allocation"]
        == (scenario.snapshot["parameters"]["allocation"])
    )


def test_default_values_are_no_overrides(demo_app):
    client = client_for(demo_app, "planner@kommune.dk")
    data = form(demo_app, "Fordeling standard", ["Rådhuset"], **{SHARE: "50"})
    assert post(demo_app, client, data).status_code == 302
    scenario = scenario_named(demo_app, "Fordeling standard")
    assert "allocation.bike_share_pct" not in scenario.setup["overrides"]
    assert "allocation.keep_type_locations" not in scenario.setup["overrides"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("120", "skal være mellem 0 og 100 %."),
        ("-5", "må ikke være negativ."),
        ("halvdelen", "'halvdelen' er ikke et tal."),
    ],
)
def test_bad_share_is_refused_in_danish(demo_app, typed, message):
    client = client_for(demo_app, "planner@kommune.dk")
    response = post(
        demo_app, client, form(demo_app, "Fordeling fejl", ["Rådhuset"], **{SHARE: typed})
    )
    assert response.status_code == 400
    label = "Andel af cykelegnede ture, som medarbejderne cykler: "
    assert (label + message).replace("'", "&#39;") in response.text


def test_default_keep_type_list_applies_to_the_chosen_locations_only(demo_app, monkeypatch):
    defaults = {"allocation.keep_type_locations": ["Rådhuset", "Materielgården"]}
    monkeypatch.setattr(
        "app.scenarios.inputs.ensure_default_parameter_set",
        lambda: SimpleNamespace(plain_values=lambda: dict(defaults)),
    )
    with demo_app.app_context():
        start, end = SHORT_START, DEMO_END
        params = engine_parameters({}, start, end, ["Rådhuset", "Sundhedscentret"], True)
        assert params["allocation"]["keep_type_locations"] == ["Rådhuset"]
        # a scenario's own list replaces the default; it may name only its locations
        own = {"allocation.keep_type_locations": []}
        assert engine_parameters(own, start, end, ["Rådhuset"], True)["allocation"] == {
            "keep_type_locations": []
        }
        with pytest.raises(Exception, match="lokationen 'Materielgården' er ikke valgt"):
            engine_parameters(
                {"allocation.keep_type_locations": ["Materielgården"]},
                start,
                end,
                ["Rådhuset"],
                True,
            )


def test_todays_fleet_with_keep_type_keeps_every_trip_on_its_type(demo_app):
    """The reviewers' case: today's fleet, no change. With keep-type every trip stays on the
    type that drove it; without it, fewer trips move to bikes at the default share than at
    100 %."""
    client = client_for(demo_app, "planner@kommune.dk")
    names = ["Hjemmeplejen Nord", "Hjemmeplejen Syd"]
    keep = {f"keep_type_{location_id(demo_app, n)}": "1" for n in names}
    assert (
        post(demo_app, client, form(demo_app, "I dag, samme type", names, **keep)).status_code
        == 302
    )
    scenario = scenario_named(demo_app, "I dag, samme type")
    snapshot = scenario.snapshot
    problem = problem_from_snapshot(snapshot)
    today = [
        FleetCount(line["pool"], line["group"], line["current_count"])
        for line in scenario.snapshot_summary["fleet"]
    ]
    result = simulate(problem, today)
    assert not validate(problem, result)
    type_of_vehicle = {v.vehicle_id: v.type for v in problem.vehicles}
    group_type = {(u.vehicle): u.type for u in result.vehicles}
    moved = [
        t.trip_id
        for t in problem.trips
        if result.plan.get(t.trip_id)
        and group_type[result.plan[t.trip_id]] != type_of_vehicle[t.vehicle_id]
    ]
    assert moved == []

    def bike_trips(share: float) -> int:
        from dataclasses import replace

        from app.engine.parameters import AllocationSettings

        changed = replace(problem.parameters, allocation=AllocationSettings(share))
        run = simulate(replace(problem, parameters=changed), today)
        bikes = {u.vehicle for u in run.vehicles if u.type in ("bike", "ebike")}
        return sum(1 for v in run.plan.values() if v in bikes)

    ridden_today = sum(
        1 for t in problem.trips if type_of_vehicle[t.vehicle_id] in ("bike", "ebike")
    )
    at_default, at_all = bike_trips(50), bike_trips(100)
    assert at_default <= at_all
    assert ridden_today > 0


def test_admin_sets_default_keep_type_locations_by_existing_names(demo_app):
    from app.parameters.catalogue import CATALOGUE
    from app.parameters.forms import format_value
    from app.parameters.service import default_parameter_set

    admin = client_for(demo_app, "admin@kommune.dk")
    key = "allocation.keep_type_locations"
    values = {spec.key: format_value(spec.value) for spec in CATALOGUE}

    def save(typed: str):
        token = csrf_token(admin, "/admin/parametre")
        return admin.post("/admin/parametre", data={"csrf_token": token, **values, key: typed})

    refused = save("Rådhuset; Månebasen")
    assert refused.status_code == 400
    assert "der findes ingen lokation med navnet &#39;Månebasen&#39;." in refused.text
    assert save("Rådhuset ;Hjemmeplejen Nord").status_code == 302
    with demo_app.app_context():
        stored = default_parameter_set().values[key]["value"]
    assert stored == ["Hjemmeplejen Nord", "Rådhuset"]
    page = admin.get("/admin/parametre").text
    assert 'value="Hjemmeplejen Nord; Rådhuset"' in page
    assert save("").status_code == 302  # back to none, for the other tests
    with demo_app.app_context():
        assert default_parameter_set().values[key]["value"] == []
