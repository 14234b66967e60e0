from datetime import date

from flask import render_template, request
from sqlalchemy import select

from app.args import bounded_int
from app.charts import km_per_day, utilisation_heatmap, vehicles_in_use_by_hour
from app.dashboards import bp
from app.dashboards.service import DashboardFilter, build_dashboard
from app.extensions import db
from app.models import VEHICLE_TYPE_LABELS, Location
from app.scenarios.inputs import default_period

HEATMAP_MAX_VEHICLES = 60


def _filter_from_args() -> tuple[DashboardFilter, list[str]]:
    """The filter bar's values from the URL (bookmarkable); bad values fall back, with a note."""
    notes = []
    default_start, default_end = default_period()
    try:
        start = date.fromisoformat(request.args.get("fra", "")) if request.args.get("fra") else None
        end = date.fromisoformat(request.args.get("til", "")) if request.args.get("til") else None
    except ValueError:
        start = end = None
        notes.append("Ugyldig dato i filteret; viser standardperioden.")
    start, end = start or default_start, end or default_end
    if end < start:
        notes.append("Slutdatoen lå før startdatoen; de er byttet om.")
        start, end = end, start
    location_id = request.args.get("lokation", type=bounded_int)
    vehicle_type = request.args.get("type") or None
    if vehicle_type not in {t.value for t in VEHICLE_TYPE_LABELS}:
        vehicle_type = None
    return DashboardFilter(start, end, location_id, vehicle_type), notes


@bp.get("/")
def index():
    chosen, notes = _filter_from_args()
    dashboard = build_dashboard(chosen)
    days = chosen.days
    series = {
        key: [per_day.get(day, 0.0) for day in days]
        for key, per_day in dashboard.km_by_series_day.items()
    }
    busiest = sorted(dashboard.vehicles, key=lambda u: -u.km)[:HEATMAP_MAX_VEHICLES]
    charts = {
        "km-pr-dag": km_per_day(days, series),
        "travlhed": vehicles_in_use_by_hour(
            dashboard.peak_by_location_hour, {}, dashboard.fleet_by_location
        ),
        "aktivitet": utilisation_heatmap(
            [u.name for u in busiest],
            days,
            [[u.km_by_day.get(day, 0.0) for day in days] for u in busiest],
            unit="km",
            threshold=40,
        ),
    }
    locations = db.session.scalars(select(Location).order_by(Location.name)).all()
    template = (
        "dashboards/_content.html" if request.headers.get("HX-Request") else "dashboards/index.html"
    )
    return render_template(
        template,
        dashboard=dashboard,
        charts=charts,
        locations=locations,
        type_labels=VEHICLE_TYPE_LABELS,
        notes=notes,
        heatmap_limited=len(dashboard.vehicles) > HEATMAP_MAX_VEHICLES,
    )
