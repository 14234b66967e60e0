from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from app.args import bounded_int, form_int, int_list
from app.auth.access import role_required
from app.extensions import db
from app.models import Location, Role
from app.models.data import VehicleModel
from app.models.scenarios import Scenario
from app.parameters.catalogue import BIKE_SHARE_KEY, BY_KEY, CATALOGUE, KEEP_TYPE_KEY
from app.parameters.forms import format_value
from app.parameters.service import ensure_default_parameter_set
from app.scenarios import bp
from app.scenarios.forms import parse_counts, parse_setup
from app.scenarios.inputs import default_period, period_facts, select_fleet
from app.scenarios.service import (
    KINDS,
    ScenarioError,
    ScenarioSetup,
    can_delete,
    copy_for,
    create_scenario,
    delete_scenario,
    may_change,
    set_counts,
    setup_of,
    start_run,
)


def _scenario(scenario_id: int) -> Scenario:
    return db.session.get(Scenario, scenario_id) or abort(404)


def _locations() -> list[Location]:
    return db.session.scalars(select(Location).order_by(Location.name)).all()


def _form_context(setup: ScenarioSetup | None, errors: list[str] | None = None, source=None):
    start, end = default_period()
    locations = _locations()
    if setup is None:
        setup = ScenarioSetup(
            name="",
            kind="optimise",
            period_start=start,
            period_end=end,
            location_ids=[],
            pooled=True,
        )
    models = db.session.scalars(
        select(VehicleModel).order_by(VehicleModel.vehicle_type, VehicleModel.make)
    ).all()
    defaults = ensure_default_parameter_set().plain_values()
    return {
        "setup": setup,
        "defaults": defaults,
        "allocation_keys": (BIKE_SHARE_KEY, KEEP_TYPE_KEY),
        "bike_share": BY_KEY[BIKE_SHARE_KEY],
        "keep_type_spec": BY_KEY[KEEP_TYPE_KEY],
        "keep_type": setup.overrides.get(KEEP_TYPE_KEY, defaults.get(KEEP_TYPE_KEY, [])),
        "errors": errors or [],
        "locations": locations,
        "models": models,
        "catalogue": CATALOGUE,
        "format_value": format_value,
        "kinds": KINDS,
        "source": source,
    }


@bp.get("/")
def index():
    query = select(Scenario).order_by(Scenario.id.desc())
    search = request.args.get("q", "").strip()
    kind = request.args.get("type", "")
    mine = request.args.get("mine") == "1"
    if search:
        query = query.where(Scenario.name.ilike(f"%{search}%"))
    if kind in KINDS:
        query = query.where(Scenario.kind == kind)
    if mine:
        query = query.where(Scenario.owner_id == current_user.id)
    scenarios = db.session.scalars(query.limit(200)).all()
    template = (
        "scenarios/_list.html" if request.headers.get("HX-Request") else "scenarios/index.html"
    )
    return render_template(
        template, scenarios=scenarios, search=search, kind=kind, mine=mine, kinds=KINDS
    )


@bp.route("/ny", methods=["GET", "POST"])
@role_required(Role.PLANNER)
def new():
    source = None
    if request.method == "POST":
        locations = {loc.id: loc.name for loc in _locations()}
        defaults = ensure_default_parameter_set().plain_values()
        setup, errors = parse_setup(request.form, locations, defaults)
        try:
            source_id = form_int(request.form, "duplicated_from")
        except ValueError:
            setup, source_id = None, None
            errors = [*errors, "Scenariet, der kopieres fra, findes ikke."]
        if setup is not None:
            try:
                source = db.session.get(Scenario, source_id) if source_id else None
                scenario = create_scenario(setup, current_user, duplicated_from=source)
            except ScenarioError as error:
                errors = [str(error)]
            else:
                flash(f"Scenariet '{scenario.name}' er oprettet.", "success")
                return redirect(url_for("scenarios.show", scenario_id=scenario.id))
        return render_template("scenarios/new.html", **_form_context(setup, errors)), 400
    if from_id := request.args.get("fra", type=bounded_int):
        source = _scenario(from_id)
        setup = setup_of(source)
        setup.name = f"Kopi af {source.name}"
        return render_template("scenarios/new.html", **_form_context(setup, source=source))
    return render_template("scenarios/new.html", **_form_context(None))


@bp.get("/periode")
@role_required(Role.PLANNER)
def period_preview():
    """HTMX: trips, vehicles and coverage of the chosen period and locations."""
    from datetime import date

    try:
        start = date.fromisoformat(request.args.get("period_start", ""))
        end = date.fromisoformat(request.args.get("period_end", ""))
    except ValueError:
        return render_template("scenarios/_period.html", facts=None, fleet=None)
    location_ids = int_list(request.args.getlist("location_ids"))
    facts = period_facts(start, end, location_ids) if end >= start else None
    fleet = select_fleet(location_ids) if location_ids else None
    return render_template("scenarios/_period.html", facts=facts, fleet=fleet)


@bp.get("/<int:scenario_id>")
def show(scenario_id: int):
    from app.scenarios.views import scenario_page_context

    scenario = _scenario(scenario_id)
    return render_template("scenarios/show.html", **scenario_page_context(scenario))


@bp.post("/<int:scenario_id>/koer")
@role_required(Role.PLANNER)
def run(scenario_id: int):
    """Run a scenario. Someone else's (and not an administrator): run a copy of it owned
    by the runner, on the same snapshot. A planner who sets counts on a colleague's
    simulation and presses "Kør" wants to see those counts computed; refusing would only
    send them to "Duplikér og ret", and running in place overwrote the owner's counts and
    results (their next run then failed). The copy keeps both."""
    scenario = _scenario(scenario_id)
    counts = parse_counts(request.form) if scenario.kind == "simulate" else None
    if not may_change(scenario, current_user):
        copy = copy_for(scenario, current_user)
        if counts:
            set_counts(copy, counts, current_user)
        db.session.commit()
        start_run(copy, current_user)
        owner = scenario.owner.name or scenario.owner.email if scenario.owner else "en anden"
        flash(
            f"Scenariet '{scenario.name}' tilhører {owner}. Din kørsel er gemt som "
            f"'{copy.name}', som du ejer; det oprindelige scenarie er uændret.",
            "info",
        )
        return redirect(url_for("scenarios.show", scenario_id=copy.id))
    latest = scenario.latest_run
    if latest and latest.job and not latest.job.done:
        flash("Scenariet kører allerede.", "info")
    else:
        if counts:
            set_counts(scenario, counts, current_user)
        start_run(scenario, current_user)
    return redirect(url_for("scenarios.show", scenario_id=scenario.id))


@bp.post("/<int:scenario_id>/slet")
@role_required(Role.PLANNER)
def delete(scenario_id: int):
    scenario = _scenario(scenario_id)
    if not can_delete(scenario, current_user):
        abort(403)
    name = scenario.name
    delete_scenario(scenario, current_user)
    flash(f"Scenariet '{name}' er slettet.", "success")
    return redirect(url_for("scenarios.index"))


def _finished_run(scenario: Scenario):
    run = scenario.latest_run
    if run is None or run.status != "finished":
        abort(404)
    return run


@bp.get("/<int:scenario_id>/koeretoejer")
def vehicle_details(scenario_id: int):
    scenario = _scenario(scenario_id)
    run = _finished_run(scenario)
    vehicles = sorted(run.result.get("vehicles", []), key=lambda v: (v["pool"], v["vehicle"]))
    return render_template("scenarios/_vehicles.html", vehicles=vehicles)


PLAN_PAGE_SIZE = 50


@bp.get("/<int:scenario_id>/koereplan")
def plan(scenario_id: int):
    """HTMX: the driving plan, filterable and paginated; filters live in the URL."""
    from app.scenarios.exports import OWN_CAR, plan_rows

    scenario = _scenario(scenario_id)
    run = _finished_run(scenario)
    search = request.args.get("q", "").strip().lower()
    only_unserved = request.args.get("uloeste") == "1"
    page = max(1, request.args.get("side", 1, type=bounded_int))
    rows = [
        row
        for row in plan_rows(scenario.snapshot, run.result, only_unserved=only_unserved)
        if not search or any(search in str(v).lower() for v in (row[1], row[5], row[6]))
    ]
    pages = max(1, -(-len(rows) // PLAN_PAGE_SIZE))
    page = min(page, pages)
    shown = rows[(page - 1) * PLAN_PAGE_SIZE : page * PLAN_PAGE_SIZE]
    return render_template(
        "scenarios/_plan.html",
        scenario=scenario,
        rows=shown,
        total=len(rows),
        page=page,
        pages=pages,
        search=search,
        only_unserved=only_unserved,
        own_car=OWN_CAR,
    )


@bp.get("/<int:scenario_id>/excel")
def download_xlsx(scenario_id: int):
    from app.scenarios.exports import workbook_bytes

    scenario = _scenario(scenario_id)
    run = _finished_run(scenario)
    return Response(
        workbook_bytes(scenario, run),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": _attachment(scenario, "xlsx")},
    )


@bp.get("/<int:scenario_id>/koereplan.csv")
def download_plan_csv(scenario_id: int):
    from app.scenarios.exports import plan_csv

    scenario = _scenario(scenario_id)
    run = _finished_run(scenario)
    return Response(
        plan_csv(scenario, run),
        mimetype="text/csv",  # Flask adds "; charset=utf-8"
        headers={"Content-Disposition": _attachment(scenario, "csv", "koereplan")},
    )


def _attachment(scenario: Scenario, extension: str, suffix: str = "") -> str:
    import re

    # ASCII-only file name: no header injection, no encoding surprises in old browsers.
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", scenario.name).strip("-")[:60] or "scenarie"
    name = f"scenarie-{scenario.id}-{base}{'-' + suffix if suffix else ''}.{extension}"
    return f'attachment; filename="{name}"'


@bp.get("/sammenlign")
def compare():
    """Compare 2-4 finished scenarios side by side; the chosen ids live in the URL."""
    from app.scenarios.results import fleet_comparison, kpis, parameter_comparison

    ids = int_list(request.args.getlist("id"), limit=4)
    chosen = [s for s in (db.session.get(Scenario, i) for i in ids) if s is not None]
    finished = [s for s in chosen if s.latest_run and s.latest_run.status == "finished"]
    candidates = db.session.scalars(select(Scenario).order_by(Scenario.id.desc()).limit(200)).all()
    candidates = [s for s in candidates if s.latest_run and s.latest_run.status == "finished"]
    context = {"chosen": finished, "candidates": candidates, "ids": ids}
    if len(finished) >= 2:
        summaries = [s.latest_run.summary for s in finished]
        context.update(
            kpi_rows=list(zip(*[kpis(s) for s in summaries], strict=True)),
            fleet_rows=fleet_comparison(summaries),
            parameter_rows=parameter_comparison(summaries),
        )
    return render_template("scenarios/compare.html", **context)


@bp.get("/<int:scenario_id>/diagrammer")
def charts(scenario_id: int):
    from app.scenarios.charts import scenario_charts

    scenario = _scenario(scenario_id)
    run = _finished_run(scenario)
    return render_template(
        "scenarios/_charts.html", scenario=scenario, charts=scenario_charts(scenario, run)
    )


@bp.get("/<int:scenario_id>/diagram/<key>.<any(svg, png):extension>")
def chart_download(scenario_id: int, key: str, extension: str):
    from app.scenarios.charts import download_version, scenario_charts

    scenario = _scenario(scenario_id)
    chart = scenario_charts(scenario, _finished_run(scenario)).get(key) or abort(404)
    chart = download_version(scenario, chart)
    if extension == "svg":
        body, mimetype = chart.to_svg_bytes(), "image/svg+xml"
    else:
        body, mimetype = chart.to_png(), "image/png"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": _attachment(scenario, extension, key)},
    )


@bp.get("/sammenlign/diagram")
def compare_chart():
    from app.scenarios.charts import comparison_chart

    ids = int_list(request.args.getlist("id"), limit=4)
    chosen = [s for s in (db.session.get(Scenario, i) for i in ids) if s is not None]
    finished = [s for s in chosen if s.latest_run and s.latest_run.status == "finished"]
    if len(finished) < 2:
        return ""
    return render_template(
        "scenarios/_charts.html",
        scenario=None,
        charts={"sammenligning": comparison_chart(finished)},
    )


@bp.post("/<int:scenario_id>/alternativer/<int:number>/simuler")
@role_required(Role.PLANNER)
def simulate_alternative(scenario_id: int, number: int):
    """Open alternative `number` as its own simulation (full plan, downloads, report)."""
    from app.scenarios.service import ScenarioError
    from app.scenarios.service import simulate_alternative as make_simulation

    scenario = _scenario(scenario_id)
    try:
        copy = make_simulation(scenario, number, current_user)
    except ScenarioError as error:
        flash(str(error), "error")
        return redirect(url_for("scenarios.show", scenario_id=scenario.id))
    flash(f"Alternativ {number} køres som simuleringen '{copy.name}'.", "success")
    return redirect(url_for("scenarios.show", scenario_id=copy.id))
