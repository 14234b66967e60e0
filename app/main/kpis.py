"""Key figures for the landing page, straight from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import FOSSIL_FREE_FUELS, Job, Location, RoundTrip, Scenario, Vehicle, utcnow


@dataclass
class LandingKpis:
    vehicles: int
    locations: int
    trips_30d: int
    km_30d: float
    fossil_free_share_pct: float | None
    period_end: datetime | None  # newest trip: the 30 days count back from here
    latest_jobs: list[Job]
    latest_scenarios: list


def landing_kpis() -> LandingKpis:
    vehicles = db.session.scalar(
        select(func.count(Vehicle.id)).where(~Vehicle.disabled, ~Vehicle.candidate)
    )
    locations = db.session.scalar(select(func.count(Location.id)))
    # "Last 30 days" ends at today, or at the newest data if the data stops earlier, so a
    # municipality that loads monthly still sees figures between loads.
    newest = db.session.scalar(select(func.max(RoundTrip.start_time)))
    end = min(utcnow(), newest) if newest else utcnow()
    start = end - timedelta(days=30)
    fossil_free_km = func.sum(
        case((Vehicle.fuel.in_(FOSSIL_FREE_FUELS), RoundTrip.distance_km), else_=0.0)
    )
    trips, km, ff_km = db.session.execute(
        select(func.count(RoundTrip.id), func.sum(RoundTrip.distance_km), fossil_free_km)
        .join(Vehicle, RoundTrip.vehicle_id == Vehicle.id)
        .where(RoundTrip.start_time > start, RoundTrip.start_time <= end)
    ).one()
    latest_jobs = db.session.scalars(select(Job).order_by(Job.id.desc()).limit(5)).all()
    latest_scenarios = db.session.scalars(
        select(Scenario).order_by(Scenario.id.desc()).limit(5)
    ).all()
    return LandingKpis(
        vehicles=vehicles or 0,
        locations=locations or 0,
        trips_30d=trips or 0,
        km_30d=km or 0.0,
        fossil_free_share_pct=(100.0 * ff_km / km) if km else None,
        period_end=newest,
        latest_jobs=list(latest_jobs),
        latest_scenarios=list(latest_scenarios),
    )
