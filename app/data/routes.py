"""Views of the Data page; the work happens in app/data/service.py and friends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from app.args import bounded_int
from app.auth.access import role_required
from app.data import bp, exports
from app.data.api_tokens import create_token, revoke_token, tokens_of
from app.data.limits import SYNC_MAX_BYTES, SYNC_MAX_UNPACKED_BYTES, SYNC_PARSE_SECONDS
from app.data.retention import (
    apply_retention,
    last_run,
    retention_months,
    schedule_daily_retention,
    set_retention_months,
)
from app.data.service import (
    ADMIN_KINDS,
    KIND_LABELS,
    UndoRefused,
    incoming_path,
    load_job_report,
    may_undo,
    run_import,
    save_incoming,
    undo_batch,
)
from app.extensions import db
from app.jobs.service import enqueue, live_view
from app.models import ApiToken, ImportBatch, Job, Location, Role, Vehicle

DEFAULT_SYNC_MAX_BYTES = SYNC_MAX_BYTES  # larger files are read by a background job


@bp.app_template_filter("date_short_utc")
def date_short_utc(value) -> str:
    """A naive UTC time (import reports) as a Danish local date."""
    from app.data.values import aware
    from app.formatting import date_short

    return date_short(aware(value)) if value else "–"


@bp.before_app_request
def _daily_retention():
    if request.endpoint and request.endpoint != "static":
        schedule_daily_retention()


def _history() -> list[ImportBatch]:
    return db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(50)).all()


def _partial(template: str, **context):
    """An HTMX fragment, or the whole Data page around it for a plain form post."""
    if request.headers.get("HX-Request"):
        return render_template(template, **context)
    context.setdefault("history", _history())
    return render_template("data/index.html", fragment=template, kinds=KIND_LABELS, **context)


@bp.get("/")
def index():
    return render_template("data/index.html", history=_history(), kinds=KIND_LABELS)


def _sync_limit() -> int:
    return current_app.config.get("FLEET_IMPORT_SYNC_MAX_BYTES", DEFAULT_SYNC_MAX_BYTES)


def _in_background(path: Path) -> bool:
    """Read in a job (RQ work-horse, under its limits) rather than in this request?

    Anything over 1 MB, and an XLSX whose zip directory promises more than 16 MB of
    XML: a web thread only ever reads small files.
    """
    if path.stat().st_size > _sync_limit():
        return True
    with open(path, "rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            return False
    from app.data.xlsx_guard import unpacked_size

    unpacked = unpacked_size(path)
    return unpacked is not None and unpacked > current_app.config.get(
        "FLEET_IMPORT_SYNC_MAX_UNPACKED_BYTES", SYNC_MAX_UNPACKED_BYTES
    )


def _check_here(kind: str, path: Path, file_name: str, apply: bool):
    """run_import in this request; a file that is refused (or fails) is deleted at once."""
    try:
        report = run_import(
            kind, path, file_name, user=current_user, apply=apply, parse_seconds=SYNC_PARSE_SECONDS
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if apply or not report.ok:
        path.unlink(missing_ok=True)  # saved (kept under uploads/<sha256>) or refused
    return report


@bp.post("/upload")
def upload():
    kind = request.form.get("kind", "")
    upload_file = request.files.get("file")
    if kind not in KIND_LABELS:
        return _partial(
            "data/_message.html", message="Vælg hvilken slags data filen indeholder."
        ), 400
    if kind in ADMIN_KINDS and not current_user.has_role(Role.ADMIN):
        abort(403)
    if upload_file is None or not upload_file.filename:
        return _partial("data/_message.html", message="Vælg en fil at uploade."), 400
    path = save_incoming(upload_file.stream, upload_file.filename)
    file_name = Path(upload_file.filename).name
    if _in_background(path):
        try:
            job = enqueue(
                "import",
                {"kind": kind, "token": path.name, "file_name": file_name, "apply": False},
                user=current_user,
                title=f"Forhåndsvisning: {file_name}",
            )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return _partial("data/_import_job.html", job=job)
    report = _check_here(kind, path, file_name, apply=False)
    return _partial("data/_preview.html", report=report, token=path.name)


@bp.post("/gem")
def save():
    kind = request.form.get("kind", "")
    token = request.form.get("token", "")
    file_name = request.form.get("file_name", "")[:255]
    path = incoming_path(token)
    if kind in ADMIN_KINDS and not current_user.has_role(Role.ADMIN):
        abort(403)
    if kind not in KIND_LABELS or path is None:
        return _partial(
            "data/_message.html", message="Filen findes ikke længere. Upload den igen."
        ), 400
    if _in_background(path):
        job = enqueue(
            "import",
            {"kind": kind, "token": token, "file_name": file_name, "apply": True},
            user=current_user,
            title=f"Import: {file_name}",
        )
        return _partial("data/_import_job.html", job=job)
    report = _check_here(kind, path, file_name, apply=True)
    if not report.applied:
        return _partial("data/_preview.html", report=report, token=token), 422
    return _partial("data/_result.html", report=report, history=_history())


@bp.get("/job/<int:job_id>")
def import_job(job_id: int):
    job = db.session.get(Job, job_id)
    if job is None or job.kind != "import":
        abort(404)
    job = live_view(job)
    report = load_job_report(job.id) if job.status == "finished" else None
    return render_template(
        "data/_import_job.html",
        job=job,
        report=report,
        token=job.params.get("token"),
        history=_history(),
    )


@bp.post("/import/<int:batch_id>/fortryd")
def undo(batch_id: int):
    batch = db.session.get(ImportBatch, batch_id) or abort(404)
    if batch.kind in ADMIN_KINDS and not current_user.has_role(Role.ADMIN):
        abort(403)
    if not may_undo(batch, current_user):
        from app.main.errors import _render

        return _render(
            403,
            "Kun den, der lavede importen, eller en administrator kan fortryde den.",
        )
    try:
        count = undo_batch(batch, user=current_user)
    except UndoRefused as refusal:
        flash(f"Import nr. {batch.id} kan ikke fortrydes: {refusal}", "error")
    else:
        flash(
            f"Import nr. {batch.id} ({batch.file_name}) er fortrudt: {count} rækker fjernet.",
            "success",
        )
    return redirect(url_for("data.index"))


@bp.get("/import/<int:batch_id>/fil")
@role_required(Role.PLANNER)
def original_file(batch_id: int):
    """The kept file of an import: only for who made it, or an administrator (audited)."""
    from app.audit import record
    from app.data.service import may_download

    batch = db.session.get(ImportBatch, batch_id) or abort(404)
    if not may_download(batch, current_user):
        from app.main.errors import _render

        return _render(
            403,
            "Kun den, der lavede importen, eller en administrator kan hente den gemte fil "
            "(den kan indeholde personoplysninger).",
        )
    if not batch.stored_path:
        abort(404)
    path = (Path(current_app.instance_path) / batch.stored_path).resolve()
    if not path.is_relative_to(Path(current_app.instance_path).resolve()) or not path.exists():
        abort(404)
    record(
        "data_import_file_downloaded",
        batch,
        {
            "type": batch.kind,
            "fil": batch.file_name,
            "sha256": batch.checksum,
            **(
                {"importeret_af": batch.user_id, "administrator_på_andens_vegne": True}
                if batch.user_id != current_user.id
                else {}
            ),
        },
        user=current_user,
    )
    db.session.commit()
    name = batch.file_name
    if Path(name).suffix.lower() != path.suffix.lower():  # a redacted .xlsm is a new .xlsx
        name = f"{Path(name).stem}{path.suffix}"
    return send_file(path, as_attachment=True, download_name=name)


# Exports ------------------------------------------------------------------------------


@bp.get("/eksport")
def export_page():
    locations = db.session.scalars(select(Location).order_by(Location.name)).all()
    vehicles = db.session.scalars(select(Vehicle).order_by(Vehicle.fleet_id)).all()
    return render_template("data/exports.html", locations=locations, vehicles=vehicles)


def _download(headers, rows, stem: str, fmt: str, title: str):
    if fmt == "xlsx":
        try:
            content = exports.xlsx_bytes(headers, rows, title)
        except exports.TooManyRows as problem:
            flash(str(problem), "error")
            return redirect(url_for("data.export_page"))
        return Response(
            content,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'},
        )
    if fmt != "csv":
        abort(404)
    return Response(
        stream_with_context(exports.csv_stream(headers, rows)),
        mimetype=exports.CSV_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
    )


@bp.get("/eksport/koeretoejer.<fmt>")
def export_vehicles(fmt: str):
    from app.vehicles.routes import filtered_vehicles

    vehicles = filtered_vehicles(request.args) if request.args else exports.all_vehicles()
    headers, rows = exports.vehicle_table(vehicles)
    return _download(headers, rows, f"koeretoejer-{date.today().isoformat()}", fmt, "Køretøjer")


@bp.get("/eksport/modeller.<fmt>")
def export_models(fmt: str):
    headers, rows = exports.model_table()
    return _download(headers, rows, f"modelkatalog-{date.today().isoformat()}", fmt, "Modeller")


@bp.get("/eksport/lokationer.<fmt>")
def export_locations(fmt: str):
    headers, rows = exports.location_table()
    return _download(headers, rows, f"lokationer-{date.today().isoformat()}", fmt, "Lokationer")


def _date_arg(name: str) -> date | None:
    value = request.args.get(name, "")
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        abort(400)


@bp.get("/eksport/rundture.<fmt>")
def export_trips(fmt: str):
    start, end = _date_arg("start"), _date_arg("end")
    location_id = request.args.get("location", type=bounded_int)
    vehicle_id = request.args.get("vehicle", type=bounded_int)
    query = exports.trips_query(start, end, location_id, vehicle_id)
    rows = exports.trip_rows(query, for_xlsx=fmt == "xlsx")
    stem = f"rundture-{start or 'alle'}-{end or 'alle'}"
    return _download(exports.TRIP_HEADERS, rows, stem, fmt, "Rundture")


# BI tokens ----------------------------------------------------------------------------


@bp.get("/api")
def api_page():
    return render_template("data/api.html", tokens=tokens_of(current_user), new_token=None)


@bp.post("/api/tokens")
def new_api_token():
    _token, plain = create_token(current_user, request.form.get("name", ""))
    return render_template("data/api.html", tokens=tokens_of(current_user), new_token=plain)


@bp.post("/api/tokens/<int:token_id>/tilbagekald")
def revoke_api_token(token_id: int):
    token = db.session.get(ApiToken, token_id) or abort(404)
    if token.user_id != current_user.id and not current_user.has_role(Role.ADMIN):
        abort(403)
    revoke_token(token, user=current_user)
    flash(f"Nøglen «{token.name}» er tilbagekaldt.", "success")
    return redirect(url_for("data.api_page"))


# Retention (admin) --------------------------------------------------------------------


@bp.route("/opbevaring", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def retention():
    if request.method == "POST":
        try:
            set_retention_months(int(request.form.get("months", "")), user=current_user)
        except ValueError as problem:
            message = str(problem)
            if "invalid literal" in message:
                message = "Angiv antal måneder som et helt tal."
            flash(message, "error")
        else:
            flash("Opbevaringsperioden er gemt.", "success")
        return redirect(url_for("data.retention"))
    return render_template("data/retention.html", months=retention_months(), last=last_run())


@bp.post("/opbevaring/koer")
@role_required(Role.ADMIN)
def run_retention():
    if request.form.get("now"):
        deleted = apply_retention(user=current_user)
        flash(f"{deleted} rundture ældre end {retention_months()} måneder er slettet.", "success")
        return redirect(url_for("data.retention"))
    job = enqueue("retention", {}, user=current_user, title="Sletning af gamle rundture")
    return redirect(url_for("jobs.show", job_id=job.id))
