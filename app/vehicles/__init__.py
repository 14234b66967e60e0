"""The "Køretøjer" area: the vehicle register and the candidate model catalogue."""

from flask import Blueprint

bp = Blueprint("vehicles", __name__)

from app.vehicles import routes  # noqa: E402,F401
