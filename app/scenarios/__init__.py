from flask import Blueprint

bp = Blueprint("scenarios", __name__)

from app.scenarios import routes  # noqa: E402,F401
