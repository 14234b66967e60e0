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
    """For load balancers and systemd checks: database, Redis and live workers, each
    bounded in time (a hung Redis costs at most its socket timeout). 200 only when all
    are fine; nothing else is revealed."""
    from app.jobs.queue import redis_connection, redis_ok, redis_recently_down
    from app.jobs.service import live_worker_count

    checks: dict = {"database": "ok", "redis": "ok", "workers": 0}
    try:
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL statement_timeout = 2000"))
        db.session.execute(text("SELECT 1"))
    except Exception:
        checks["database"] = "fail"
    finally:
        db.session.rollback()
    if redis_recently_down() or not redis_ok(redis_connection()):
        checks["redis"] = "fail"
    else:
        try:
            checks["workers"] = live_worker_count()
        except Exception:
            checks["redis"] = "fail"
    healthy = checks["database"] == "ok" and checks["redis"] == "ok" and checks["workers"] > 0
    return jsonify(status="ok" if healthy else "fail", **checks), 200 if healthy else 503


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
