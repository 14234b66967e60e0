"""Dashboards: filters in the URL, figures over the whole period, idle vehicles shown."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.dashboards.service import DashboardFilter, build_dashboard, series_key
from app.extensions import db
from app.models import LOCAL_TZ, Fuel, Location, RoundTrip, Vehicle, VehicleType


@pytest.fixture
def small_fleet(app_ctx):
    home = Location(name="Nord", address="")
    db.session.add(home)
    db.session.flush()

    def vehicle(fleet_id, vtype, fuel, **kw):
        v = Vehicle(fleet_id=fleet_id, vehicle_type=vtype, fuel=fuel, location_id=home.id,
                    yearly_cost_dkk=1000, **kw)  # fmt: skip
        db.session.add(v)
        return v

    petrol = vehicle("1", VehicleType.FOSSIL, Fuel.PETROL, km_per_litre=20)
    hvo = vehicle("2", VehicleType.FOSSIL, Fuel.HVO, km_per_litre=10)
    vehicle("3", VehicleType.EV, Fuel.ELECTRICITY, wh_per_km=150, range_km=300)  # idle
    db.session.flush()
    start = datetime(2026, 3, 2, 8, 0, tzinfo=LOCAL_TZ)
    for offset, v, km in [(0, petrol, 10.0), (1, hvo, 30.0), (1, petrol, 20.0)]:
        begin = start + timedelta(days=offset)
        db.session.add(
            RoundTrip(vehicle_id=v.id, location_id=home.id, start_time=begin,
                      end_time=begin + timedelta(hours=1), distance_km=km)
        )  # fmt: skip
    db.session.commit()
    return home


def test_figures_cover_the_whole_period_and_hvo_is_fossil_free(small_fleet):
    dashboard = build_dashboard(DashboardFilter(date(2026, 3, 1), date(2026, 3, 10)))
    assert dashboard.trips == 3 and dashboard.km == 60
    # Per day over all ten days of the period, not only the two days with trips.
    assert dashboard.km_per_day == pytest.approx(6.0)
    assert dashboard.fossil_free_pct == pytest.approx(50.0)
    assert series_key(VehicleType.FOSSIL, Fuel.HVO) == "hvo"
    # 30 km / 20 km/l x 2.52 + 30 km / 10 km/l x 0.894 (default factors)
    assert dashboard.co2e_t == pytest.approx((30 / 20 * 2.52 + 30 / 10 * 0.894) / 1000)
    idle = [u for u in dashboard.vehicles if u.trips == 0]
    assert [u.name for u in idle] == ["3"]
    assert dashboard.peak_by_location_hour["Nord"][8] == 2


def test_dashboard_page_keeps_filters_in_url(app, viewer_client):
    with app.app_context():
        location = Location(name="Syd", address="")
        db.session.add(location)
        db.session.commit()
        location_id = location.id
    page = viewer_client.get(f"/dashboards/?fra=2026-01-01&til=2026-01-31&lokation={location_id}")
    assert page.status_code == 200
    assert 'hx-push-url="true"' in page.text
    assert 'value="2026-01-01"' in page.text and f'value="{location_id}" selected' in page.text
    bad = viewer_client.get("/dashboards/?fra=ikke-en-dato")
    assert bad.status_code == 200 and "Ugyldig dato" in bad.text
    fragment = viewer_client.get("/dashboards/?fra=2026-01-01", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'data-kpi="km"' in fragment.text


def test_km_chart_counts_hvo_as_fossil_free_like_the_kpi(small_fleet):
    from app.charts import km_per_day

    dashboard = build_dashboard(DashboardFilter(date(2026, 3, 1), date(2026, 3, 10)))
    days = dashboard.filter.days
    chart = km_per_day(
        days,
        {
            key: [per_day.get(d, 0.0) for d in days]
            for key, per_day in dashboard.km_by_series_day.items()
        },
    )
    assert "50 % fossilfrit" in chart.alt_text
    assert "HVO-bil" in chart.svg
