"""The "Data" area: uploads with preview, import history with undo, exports, BI API."""

from flask import Blueprint

bp = Blueprint("data", __name__)
api_bp = Blueprint("api", __name__)

from app.data import api, routes  # noqa: E402,F401
