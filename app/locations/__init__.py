"""The "Lokationer" area: locations with their vehicles, km, round trips and precision."""

from flask import Blueprint

bp = Blueprint("locations", __name__)

from app.locations import routes  # noqa: E402,F401
