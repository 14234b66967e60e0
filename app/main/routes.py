from datetime import date, timedelta

from flask import jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from app.auth.access import public, role_required
from app.demo.service import database_is_empty
from app.extensions import db
from app.jobs.service import enqueue
from app.main import bp
from app.main.kpis import landing_kpis
from app.models import Role


@bp.get("/")
def index():
    return render_template("main/index.html", kpis=landing_kpis())


@bp.get("/healthz")
@public
def healthz():
    """For load balancers and systemd checks: database reachable, nothing else revealed."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok")


@bp.post("/demodata")
@role_required(Role.PLANNER)
def start_demo_data():
    """Start the demo-data job (only offered while the register is empty)."""
    if not database_is_empty():
        return render_template(
            "errors/_error.html",
            title="Demodata",
            message="Der findes allerede køretøjer; demodata indlæses kun i en tom database.",
        ), 409
    yesterday = date.today() - timedelta(days=1)
    job = enqueue("demo_data", {"seed": 2026, "end": yesterday.isoformat()}, user=current_user)
    return render_template("jobs/_status.html", job=job)
