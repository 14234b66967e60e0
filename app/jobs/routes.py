from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import role_required
from app.extensions import db
from app.jobs import bp
from app.jobs.queue import QueueUnavailable
from app.jobs.registry import KIND_LABELS
from app.jobs.service import enqueue, live_view, reap_dead_jobs, request_cancel
from app.models import Job, Role
from app.models.jobs import phase_steps


@bp.app_errorhandler(QueueUnavailable)
def queue_unavailable(error):
    """Redis did not take a job: a Danish 503 (page or htmx fragment), not a bare 500."""
    db.session.rollback()
    title, message = "Baggrundskøen svarer ikke", str(error)
    template = "errors/_error.html" if request.headers.get("HX-Request") else "errors/error.html"
    response = make_response(render_template(template, code=503, title=title, message=message))
    response.status_code = 503
    response.headers["Retry-After"] = "30"
    return response


@bp.app_template_filter("phase_steps")
def phase_steps_filter(phase_log: list | None) -> list[dict]:
    return phase_steps(phase_log)


def _visible_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id) or abort(404)
    return job


@bp.get("/")
def index():
    """The latest jobs. Administrators see who started each and the technical detail;
    everyone else sees "dig" or the starter's role (no colleague's e-mail address) and
    only the Danish message of a failed job, without the raw exception text that
    "Jobbet fejlede: <exception>" carries."""
    reap_dead_jobs()
    jobs = db.session.scalars(db.select(Job).order_by(Job.id.desc()).limit(100)).all()
    admin = current_user.has_role(Role.ADMIN)

    def started_by(job: Job) -> str:
        if job.user_id is not None and job.user_id == current_user.id:
            return "dig"
        if job.user is None:
            return "system"
        return job.user.email if admin else job.user.role_label

    def message(job: Job) -> str:
        if job.status != "failed" or not job.error:
            return ""
        if admin:
            return job.error
        head, _, tail = job.error.partition(": ")
        # The tail is raw exception text when the traceback has it as an exception's
        # message ("KeyError: 'pool'"); a Danish JobFailed message is never one alone.
        raw_lines = (line.strip() for line in (job.error_detail or "").splitlines())
        if tail and any(
            " " not in kind and rest == tail
            for kind, _, rest in (line.partition(": ") for line in raw_lines)
        ):
            return f"{head}."
        return job.error

    rows = [{"job": job, "by": started_by(job), "message": message(job)} for job in jobs]
    return render_template("jobs/index.html", rows=rows, kind_labels=KIND_LABELS, admin=admin)


@bp.post("/selvtest")
@role_required(Role.ADMIN)
def start_selftest():
    """Lets IT staff check that Redis and a worker are running."""
    job = enqueue("selftest", {"steps": 10, "pause_s": 0.3}, user=current_user)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/<int:job_id>")
def show(job_id: int):
    job = live_view(_visible_job(job_id))
    return render_template("jobs/show.html", job=job, kind_labels=KIND_LABELS)


@bp.get("/<int:job_id>/status")
def status(job_id: int):
    """The fragment the page polls every second until the job is done."""
    reap_dead_jobs()
    job = live_view(_visible_job(job_id))
    reload_when_done = request.args.get("reload_when_done") == "1"
    response = make_response(
        render_template("jobs/_status.html", job=job, reload_when_done=reload_when_done)
    )
    if job.done and reload_when_done:
        # The page around the fragment (e.g. a scenario) now has results to show.
        response.headers["HX-Refresh"] = "true"
    return response


@bp.post("/<int:job_id>/cancel")
def cancel(job_id: int):
    job = _visible_job(job_id)
    if job.user_id != current_user.id and not current_user.has_role(Role.ADMIN):
        abort(403)
    request_cancel(job)
    if request.headers.get("HX-Request"):
        return render_template("jobs/_status.html", job=job)
    return render_template("jobs/show.html", job=job, kind_labels=KIND_LABELS)
