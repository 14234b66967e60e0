"""The "Data" area: uploads with preview, import history with undo, exports, BI API."""

from flask import Blueprint

bp = Blueprint("data", __name__)
api_bp = Blueprint("api", __name__)

from app.data import api, routes  # noqa: E402,F401
from app.data.api_tokens import load_user_from_request  # noqa: E402
from app.extensions import login_manager  # noqa: E402

# BI tools send "Authorization: Bearer <token>" instead of a session cookie.
login_manager.request_loader(load_user_from_request)
