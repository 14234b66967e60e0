from pathlib import Path

from flask import Blueprint

# The report's own print CSS doubles as the preview's stylesheet (/rapporter/static/...).
bp = Blueprint(
    "reports",
    __name__,
    static_folder=str(Path(__file__).resolve().parent.parent.parent / "reports" / "static"),
    static_url_path="/static",
)

from app.reports import routes  # noqa: E402,F401
