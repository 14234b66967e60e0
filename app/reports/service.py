"""Decision reports in the app: drafts, branding (name and logo), the PDF job's storage."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from app.args import int_list
from app.audit import changes, record
from app.extensions import db
from app.models import LOCAL_TZ, AppSetting, Role, utcnow
from app.models.reports import OPTIONAL_SECTIONS, Report
from app.models.scenarios import Scenario, ScenarioRun
from reports.builder import (
    MAX_ALTERNATIVES,
    BuiltReport,
    ReportError,
    ReportRequest,
    default_title,
    drafts,
    load_facts,
    render_html,
    report_context,
)
from reports.facts import not_reportable_reason

BRANDING_KEY = "report_branding"
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4000
# Only raster formats: an SVG logo could carry scripts or external references.
LOGO_FORMATS = {"PNG": ".png", "JPEG": ".jpg"}
TITLE_MAX, NAME_MAX, TEXT_MAX = 300, 200, 20_000


class LogoError(ValueError):
    """An uploaded logo that cannot be used; the message is Danish."""


# --- Branding ------------------------------------------------------------------------------


def branding() -> dict:
    setting = db.session.get(AppSetting, BRANDING_KEY)
    value = dict(setting.value) if setting else {}
    value.setdefault("organisation", current_app.config["FLEET_ORGANISATION"])
    value.setdefault("department", "")
    value.setdefault("logo", None)
    return value


def _save_branding(value: dict) -> None:
    setting = db.session.get(AppSetting, BRANDING_KEY) or AppSetting(key=BRANDING_KEY)
    setting.value = value
    db.session.add(setting)


def save_branding(organisation: str, department: str, user) -> None:
    value = branding()
    before = {k: value[k] for k in ("organisation", "department")}
    value["organisation"] = organisation.strip()[:NAME_MAX]
    value["department"] = department.strip()[:NAME_MAX]
    _save_branding(value)
    after = {k: value[k] for k in ("organisation", "department")}
    record("report_branding_changed", None, {"før": before, "efter": after}, user=user)
    db.session.commit()


def branding_dir() -> Path:
    return Path(current_app.instance_path) / "branding"


def logo_path() -> Path | None:
    name = branding().get("logo")
    if not name:
        return None
    path = (branding_dir() / name).resolve()
    # The stored name is ours, but a tampered setting must not point outside the folder.
    if not path.is_relative_to(branding_dir().resolve()) or not path.is_file():
        return None
    return path


def validate_logo(data: bytes) -> str:
    """The file extension for a valid PNG or JPEG logo; LogoError otherwise."""
    if not data:
        raise LogoError("Vælg en billedfil.")
    if len(data) > LOGO_MAX_BYTES:
        raise LogoError("Logoet må højst fylde 1 MB.")
    import warnings

    from PIL import Image, UnidentifiedImageError

    # The size comes from the header, before anything is decoded; a decompression bomb
    # (a tiny PNG claiming 30000 × 30000 pixels) is refused there, never unpacked.
    bomb = (Image.DecompressionBombError, Image.DecompressionBombWarning)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(LOGO_FORMATS)) as image:
                kind = image.format
                width, height = image.size
                if width > LOGO_MAX_PIXELS or height > LOGO_MAX_PIXELS:
                    raise LogoError(
                        f"Logoet må højst være {LOGO_MAX_PIXELS} × {LOGO_MAX_PIXELS} punkter."
                    )
                image.verify()
    except bomb as error:
        raise LogoError(
            f"Billedet er for stort (over {LOGO_MAX_PIXELS} × {LOGO_MAX_PIXELS} punkter)."
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, LogoError):
            raise
        raise LogoError("Filen er ikke et gyldigt PNG- eller JPEG-billede.") from error
    if kind not in LOGO_FORMATS:
        raise LogoError("Logoet skal være PNG eller JPEG (SVG kan indeholde scripts).")
    return LOGO_FORMATS[kind]


def save_logo(data: bytes, user) -> None:
    extension = validate_logo(data)
    folder = branding_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"logo{extension}"
    temporary = folder / f".{name}.tmp"
    temporary.write_bytes(data)
    os.replace(temporary, folder / name)
    value = branding()
    old = value.get("logo")
    value["logo"] = name
    _save_branding(value)
    if old and old != name:
        (folder / old).unlink(missing_ok=True)
    record("report_logo_changed", None, {"fil": name, "bytes": len(data)}, user=user)
    db.session.commit()


def remove_logo(user) -> None:
    value = branding()
    if value.get("logo"):
        (branding_dir() / value["logo"]).unlink(missing_ok=True)
    value["logo"] = None
    _save_branding(value)
    record("report_logo_removed", None, {}, user=user)
    db.session.commit()


# --- Drafts --------------------------------------------------------------------------------


def finished_scenarios() -> list[Scenario]:
    """Scenarios a report can be made from, newest first: the latest run has a valid plan
    compared like for like with today's fleet (see reports.facts.not_reportable_reason).

    Ids first, then the rows: DISTINCT over rows with JSON columns fails on PostgreSQL
    ("could not identify an equality operator for type json").
    """
    latest = select(func.max(ScenarioRun.id)).group_by(ScenarioRun.scenario_id)
    ids = db.session.scalars(
        select(ScenarioRun.scenario_id).where(
            ScenarioRun.id.in_(latest), ScenarioRun.status == "finished"
        )
    ).all()
    if not ids:
        return []
    scenarios = db.session.scalars(
        select(Scenario).where(Scenario.id.in_(ids)).order_by(Scenario.id.desc())
    ).all()
    return [s for s in scenarios if not_reportable_reason(s, s.latest_run) is None]


def reportable(scenario_id: int) -> Scenario:
    """The scenario if a report may be made from its latest run; ReportError (Danish) if not:
    no valid plan (failed, unreachable target), not finished, or run before the like-for-like
    comparison existed."""
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        raise ReportError(f"Scenarie {scenario_id} findes ikke.")
    reason = not_reportable_reason(scenario, scenario.latest_run)
    if reason:
        raise ReportError(reason)
    return scenario


def check_request(request: ReportRequest) -> None:
    """Refuse a report whose recommended scenario or any alternative may not be reported."""
    for scenario_id in dict.fromkeys([request.scenario_id, *request.alternative_ids]):
        reportable(scenario_id)


def _names(ids: list[int]) -> dict[str, str]:
    scenarios = db.session.scalars(select(Scenario).where(Scenario.id.in_(ids))).all()
    return {str(s.id): s.name for s in scenarios}


def create_draft(scenario_id: int, alternative_ids: list[int], include_baseline: bool, user):
    """A new report with texts drafted from the results; ReportError if it cannot be made."""
    alternative_ids = [i for i in dict.fromkeys(alternative_ids) if i != scenario_id]
    if len(alternative_ids) > MAX_ALTERNATIVES:
        raise ReportError(f"Vælg højst {MAX_ALTERNATIVES} alternativer.")
    request = ReportRequest(scenario_id, alternative_ids, include_baseline)
    check_request(request)
    facts, _ = load_facts(request)
    brand = branding()
    report = Report(
        title=default_title(facts)[:TITLE_MAX],
        organisation=brand["organisation"],
        department=brand["department"],
        created_by_id=getattr(user, "id", None),
        scenario_id=scenario_id,
        alternative_ids=alternative_ids,
        include_baseline=include_baseline,
        scenario_names=_names([scenario_id, *alternative_ids]),
        texts=drafts(facts),
        sections=list(OPTIONAL_SECTIONS),
        status="draft",
    )
    db.session.add(report)
    db.session.flush()
    record("report_created", report, {"titel": report.title, "scenarie": scenario_id}, user=user)
    db.session.commit()
    return report


def copy_report(source: Report, user) -> Report:
    if source.scenario_id is None:
        raise ReportError("Scenariet bag rapporten er slettet; lav en ny rapport.")
    report = create_draft(
        source.scenario_id, list(source.alternative_ids), source.include_baseline, user
    )
    report.title = source.title
    report.organisation = source.organisation
    report.department = source.department
    report.texts = dict(source.texts)
    report.sections = list(source.sections)
    db.session.commit()
    return report


def may_edit(report: Report, user) -> bool:
    """Its author or an administrator may edit, re-draft and render a draft."""
    return user.has_role(Role.ADMIN) or report.created_by_id == getattr(user, "id", None)


def owner_details(report: Report, user) -> dict:
    """Audit details naming the author when an administrator works on someone's draft."""
    if report.created_by_id == getattr(user, "id", None):
        return {}
    return {"forfatter": report.created_by_id, "administrator_på_andens_vegne": True}


def _draft_snapshot(report: Report) -> dict:
    return {
        "titel": report.title,
        "organisation": report.organisation,
        "afdeling": report.department,
        "tekster": dict(report.texts or {}),
        "afsnit": list(report.sections or []),
        "alternativer": list(report.alternative_ids or []),
        "i_dag": report.include_baseline,
    }


def update_draft(report: Report, form, user=None) -> None:
    """Store what the planner typed and chose (the edit form); texts stay plain text.
    Audited with what changed (and the author, when an administrator edits)."""
    before = _draft_snapshot(report)
    report.title = (form.get("title", "").strip() or report.title)[:TITLE_MAX]
    report.organisation = form.get("organisation", "").strip()[:NAME_MAX]
    report.department = form.get("department", "").strip()[:NAME_MAX]
    report.texts = {
        "resume": form.get("resume", "")[:TEXT_MAX],
        "indstilling": form.get("indstilling", "")[:TEXT_MAX],
    }
    report.sections = [s for s in OPTIONAL_SECTIONS if s in form.getlist("sections")]
    chosen = int_list(form.getlist("alternative_ids"))
    allowed = {s.id for s in finished_scenarios()}
    report.alternative_ids = [
        i for i in dict.fromkeys(chosen) if i in allowed and i != report.scenario_id
    ][:MAX_ALTERNATIVES]
    report.include_baseline = form.get("include_baseline") == "1"
    report.scenario_names = _names([report.scenario_id, *report.alternative_ids])
    if report.status == "failed":
        report.status = "draft"
    if changed := changes(before, _draft_snapshot(report)):
        record("report_updated", report, {**changed, **owner_details(report, user)}, user=user)
    db.session.commit()


def redraft_texts(report: Report, user=None) -> None:
    request = request_for(report)
    check_request(request)
    facts, _ = load_facts(request)
    before = dict(report.texts or {})
    report.texts = drafts(facts)
    record(
        "report_redrafted",
        report,
        {**changes(before, dict(report.texts)), **owner_details(report, user)},
        user=user,
    )
    db.session.commit()


def _name(user) -> str:
    return (user.name or user.email) if user is not None else ""


_FROM_JOB = object()


def request_for(report: Report, maker=_FROM_JOB) -> ReportRequest:
    """The builder's request. The author is who wrote the draft; when someone else (an
    administrator) makes the PDF - `maker`, by default the user of the report's PDF job -
    the cover says so too, instead of naming the author alone."""
    if report.scenario_id is None:
        raise ReportError("Scenariet bag rapporten er slettet.")
    creator = report.created_by
    author = _name(creator)
    if maker is _FROM_JOB:
        maker = report.job.user if report.job is not None else None
    if maker is not None and maker.id != report.created_by_id:
        author = f"{author}; PDF lavet af {_name(maker)}" if author else _name(maker)
    return ReportRequest(
        scenario_id=report.scenario_id,
        alternative_ids=list(report.alternative_ids),
        include_baseline=report.include_baseline,
        title=report.title,
        organisation=report.organisation,
        department=report.department,
        author=author,
        resume=report.texts.get("resume", ""),
        indstilling=report.texts.get("indstilling", ""),
        sections=list(report.sections),
        logo_path=logo_path(),
        made_on=utcnow().astimezone(LOCAL_TZ).date(),
    )


def preview_html(report: Report, asset_url, logo_url: str | None) -> str:
    """The report as HTML for the browser (the same template the PDF is printed from)."""
    request = request_for(report, maker=None)
    check_request(request)
    facts, alternatives = load_facts(request)
    context = report_context(request, facts, alternatives)
    return render_html(context, asset_url, logo_url if request.logo_path else None)


# --- The PDF -------------------------------------------------------------------------------


def reports_dir() -> Path:
    return Path(current_app.instance_path) / "reports"


def start_pdf(report: Report, user):
    """Queue the PDF job; ReportError (nothing changed) if the scenario may not be reported."""
    from app.jobs.service import enqueue

    check_request(request_for(report, maker=None))
    report.status = "queued"
    report.error = None
    db.session.commit()
    job = enqueue(
        "report", {"report_id": report.id}, user=user, title=f"Rapport: {report.title}"[:200]
    )
    report.job_id = job.id
    record("report_pdf_started", report, {"job": job.id, **owner_details(report, user)}, user=user)
    db.session.commit()
    return job


def store_pdf(report: Report, built: BuiltReport) -> Path:
    """Write the PDF atomically under instance/reports/ and record its checksum and size."""
    folder = reports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"rapport-{report.id}.pdf"
    temporary = folder / f".{name}.tmp"
    temporary.write_bytes(built.pdf)
    os.replace(temporary, folder / name)
    report.file_path = f"reports/{name}"
    report.checksum = hashlib.sha256(built.pdf).hexdigest()
    report.size_bytes = len(built.pdf)
    report.page_count = built.page_count
    report.parameters = built.parameters
    report.status = "finished"
    report.finished_at = utcnow()
    report.error = None
    return folder / name


def stored_file(report: Report) -> Path | None:
    if not report.has_file:
        return None
    instance = Path(current_app.instance_path).resolve()
    path = (instance / report.file_path).resolve()
    if not path.is_relative_to(instance / "reports") or not path.is_file():
        return None
    return path


def shown_status(report: Report) -> str:
    """The report's status, corrected when its job ended without the report knowing."""
    job = report.job
    if report.status in ("queued", "running") and job is not None and job.done:
        return "finished" if job.status == "finished" and report.file_path else "failed"
    return report.status


def delete_report(report: Report, user) -> None:
    path = stored_file(report)
    record("report_deleted", report, {"titel": report.title}, user=user)
    db.session.delete(report)
    db.session.commit()
    if path is not None:
        path.unlink(missing_ok=True)
