"""Decision reports: list, new draft, edit with preview, PDF job, download, branding."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from app.args import bounded_int, int_list
from app.auth.access import role_required
from app.extensions import db
from app.models import Role
from app.models.reports import OPTIONAL_SECTIONS, Report
from app.reports import bp, service
from reports.builder import MAX_ALTERNATIVES, ReportError

EDITABLE = ("draft", "failed")
PREVIEW_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; "
    "sandbox allow-same-origin"
)


def _report(report_id: int) -> Report:
    return db.session.get(Report, report_id) or abort(404)


@bp.get("/")
def index():
    reports = db.session.scalars(select(Report).order_by(Report.id.desc()).limit(200)).all()
    return render_template("reports/index.html", reports=reports, shown_status=service.shown_status)


@bp.route("/ny", methods=["GET", "POST"])
@role_required(Role.PLANNER)
def new():
    scenarios = service.finished_scenarios()
    if request.method == "POST":
        scenario_id = request.form.get("scenario_id", type=bounded_int)
        alternative_ids = int_list(request.form.getlist("alternative_ids"))
        try:
            if scenario_id is None:
                raise ReportError("Vælg det anbefalede scenarie.")
            report = service.create_draft(
                scenario_id,
                alternative_ids,
                request.form.get("include_baseline") == "1",
                current_user,
            )
        except ReportError as error:
            flash(str(error), "error")
            return render_template(
                "reports/new.html", scenarios=scenarios, chosen=scenario_id,
                max_alternatives=MAX_ALTERNATIVES,
            ), 400  # fmt: skip
        return redirect(url_for("reports.show", report_id=report.id))
    chosen = request.args.get("scenarie", type=bounded_int)
    refused = None
    if chosen is not None and chosen not in {s.id for s in scenarios}:
        try:
            service.reportable(chosen)
        except ReportError as error:
            refused = str(error)
    return render_template(
        "reports/new.html",
        scenarios=scenarios,
        chosen=chosen,
        refused=refused,
        max_alternatives=MAX_ALTERNATIVES,
    )


def _show_page(report: Report, refused: str | None = None):
    status = service.shown_status(report)
    editable = (
        status in EDITABLE
        and current_user.has_role(Role.PLANNER)
        and service.may_edit(report, current_user)
    )
    if editable and refused is None and report.scenario_id is not None:
        # Say before "Lav PDF" is pressed that it will be refused (e.g. the scenario was
        # run again and has no valid plan now).
        try:
            service.check_request(service.request_for(report))
        except ReportError as error:
            refused = str(error)
    return render_template(
        "reports/show.html",
        report=report,
        status=status,
        editable=editable,
        job=report.job,
        sections=OPTIONAL_SECTIONS,
        scenarios=service.finished_scenarios() if editable else [],
        max_alternatives=MAX_ALTERNATIVES,
        refused=refused,
        others_draft=status in EDITABLE
        and current_user.has_role(Role.PLANNER)
        and not service.may_edit(report, current_user),
    )


@bp.get("/<int:report_id>")
def show(report_id: int):
    return _show_page(_report(report_id))


NOT_YOURS = (
    "Kun rapportens forfatter eller en administrator kan rette kladden og lave PDF'en. "
    "Kopiér rapporten til en ny kladde for at rette i den."
)


def _editable(report: Report) -> Report:
    if not service.may_edit(report, current_user):
        from app.main.errors import _render

        abort(make_response(_render(403, NOT_YOURS)))
    if service.shown_status(report) not in EDITABLE:
        flash("Rapporten er allerede lavet og kan ikke rettes. Lav en kopi for at rette.", "info")
        abort(redirect(url_for("reports.show", report_id=report.id)))
    return report


@bp.post("/<int:report_id>")
@role_required(Role.PLANNER)
def update(report_id: int):
    report = _editable(_report(report_id))
    service.update_draft(report, request.form, current_user)
    if request.form.get("action") == "redraft":
        try:
            service.redraft_texts(report, current_user)
        except ReportError as error:
            flash(str(error), "error")
        else:
            flash("Resumé og indstilling er skrevet forfra ud fra resultaterne.", "success")
    else:
        flash("Rapporten er gemt; forhåndsvisningen er opdateret.", "success")
    return redirect(url_for("reports.show", report_id=report.id))


@bp.post("/<int:report_id>/lav-pdf")
@role_required(Role.PLANNER)
def make_pdf(report_id: int):
    report = _editable(_report(report_id))
    service.update_draft(report, request.form, current_user)
    try:
        service.start_pdf(report, current_user)
    except ReportError as error:
        # The draft's texts are saved; no job is queued and the report stays a draft.
        return _show_page(report, refused=str(error)), 409
    return redirect(url_for("reports.show", report_id=report.id))


@bp.get("/<int:report_id>/forhaandsvisning")
def preview(report_id: int):
    report = _report(report_id)
    try:
        html = service.preview_html(
            report,
            asset_url=lambda name: url_for("reports.static", filename=name),
            logo_url=url_for("reports.logo"),
        )
    except ReportError as error:
        html, status = render_template("reports/_preview_error.html", message=str(error)), 409
    else:
        status = 200
    response = make_response(html, status)
    # Shown in an <iframe> on the report's own page, so framing by ourselves is allowed;
    # the print template's table columns carry style attributes, so inline styles are
    # too - and nothing else: no script at all, a sandbox, no forms.
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/<int:report_id>/pdf")
def download(report_id: int):
    report = _report(report_id)
    path = service.stored_file(report)
    if path is None:
        abort(404)
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=request.args.get("vis") != "1",
        download_name=f"rapport-{report.id}.pdf",
        max_age=0,
    )


@bp.post("/<int:report_id>/kopi")
@role_required(Role.PLANNER)
def copy(report_id: int):
    try:
        report = service.copy_report(_report(report_id), current_user)
    except ReportError as error:
        flash(str(error), "error")
        return redirect(url_for("reports.show", report_id=report_id))
    flash("En ny kladde med de samme tekster er oprettet.", "success")
    return redirect(url_for("reports.show", report_id=report.id))


@bp.post("/<int:report_id>/slet")
@role_required(Role.PLANNER)
def delete(report_id: int):
    report = _report(report_id)
    if report.created_by_id != current_user.id and not current_user.has_role(Role.ADMIN):
        abort(403)
    service.delete_report(report, current_user)
    flash("Rapporten er slettet.", "success")
    return redirect(url_for("reports.index"))


@bp.get("/logo")
def logo():
    path = service.logo_path()
    if path is None:
        abort(404)
    return send_file(path, max_age=0)


@bp.route("/udseende", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def branding():
    if request.method == "POST":
        action = request.form.get("action", "save")
        if action == "remove_logo":
            service.remove_logo(current_user)
            flash("Logoet er fjernet.", "success")
        else:
            service.save_branding(
                request.form.get("organisation", ""),
                request.form.get("department", ""),
                current_user,
            )
            upload = request.files.get("logo")
            if upload is not None and upload.filename:
                try:
                    service.save_logo(upload.read(service.LOGO_MAX_BYTES + 1), current_user)
                except service.LogoError as error:
                    flash(str(error), "error")
                    return render_template(
                        "reports/branding.html", branding=service.branding()
                    ), 400
            flash("Navn og logo til rapporterne er gemt.", "success")
        return redirect(url_for("reports.branding"))
    return render_template(
        "reports/branding.html", branding=service.branding(), has_logo=service.logo_path()
    )
