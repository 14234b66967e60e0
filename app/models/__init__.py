"""All database models; import from here (`from app.models import Vehicle`)."""

from app.models.accounts import ROLE_LABELS, AuditEvent, Role, User
from app.models.data import (
    ApiToken,
    AppSetting,
    LocationPrecision,
    PendingGpsDrive,
    VehicleModel,
)
from app.models.fleet import (
    FOSSIL_FREE_FUELS,
    FUEL_LABELS,
    LEASE_TYPE_LABELS,
    VEHICLE_TYPE_LABELS,
    Fuel,
    ImportBatch,
    LeaseType,
    RoundTrip,
    Vehicle,
    VehicleLocationHistory,
    VehicleType,
    is_fossil_free,
)
from app.models.jobs import Job, JobStatus
from app.models.organisation import Administration, Department, Location, ParkingPoint
from app.models.parameters import ParameterSet
from app.models.reports import Report
from app.models.scenarios import Scenario, ScenarioRun
from app.models.types import LOCAL_TZ, UTCDateTime, utcnow

__all__ = [
    "FOSSIL_FREE_FUELS",
    "FUEL_LABELS",
    "LEASE_TYPE_LABELS",
    "LOCAL_TZ",
    "ROLE_LABELS",
    "VEHICLE_TYPE_LABELS",
    "Administration",
    "ApiToken",
    "AppSetting",
    "AuditEvent",
    "Department",
    "Fuel",
    "ImportBatch",
    "Job",
    "JobStatus",
    "LeaseType",
    "Location",
    "LocationPrecision",
    "ParameterSet",
    "ParkingPoint",
    "PendingGpsDrive",
    "Report",
    "Role",
    "RoundTrip",
    "Scenario",
    "ScenarioRun",
    "UTCDateTime",
    "User",
    "Vehicle",
    "VehicleLocationHistory",
    "VehicleModel",
    "VehicleType",
    "is_fossil_free",
    "utcnow",
]
