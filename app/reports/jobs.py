"""The report job: stored results -> PDF file + the Report row's checksum and size."""

from __future__ import annotations

from app.extensions import db
from app.jobs.registry import job_handler, on_job_ended
from app.jobs.runner import JobCancelled, JobFailed
from app.models.reports import Report
from app.reports.service import request_for, store_pdf
from reports.builder import ReportError, build_report


def _mark_failed(report_id: int, message: str | None, status: str = "failed") -> None:
    # The runner rolls the session back after a failure; the report must still say so.
    db.session.rollback()
    report = db.session.get(Report, report_id)
    if report is not None:
        report.status = status
        report.error = message
        db.session.commit()


@job_handler("report", "Rapport")
def report_job(job, ctx) -> dict:
    report_id = job.params["report_id"]
    report = db.session.get(Report, report_id)
    if report is None:
        raise JobFailed("Rapporten er slettet.")
    report.status = "running"
    db.session.commit()
    try:
        built = build_report(request_for(report), progress=ctx.progress)
    except JobCancelled:
        _mark_failed(report_id, None, status="draft")  # back to editing
        raise
    except ReportError as error:
        _mark_failed(report_id, str(error))
        raise JobFailed(str(error)) from error
    except Exception as error:
        _mark_failed(report_id, "Rapporten kunne ikke laves.")
        raise JobFailed(f"Rapporten kunne ikke laves: {error}") from error
    ctx.progress(95, "Gemmer PDF-filen")

    def store() -> None:
        # a short transaction, only while the job is still this work-horse's
        report = db.session.get(Report, report_id)
        if report is None:
            raise JobFailed("Rapporten er slettet.")
        store_pdf(report, built)

    ctx.save(store)
    return {"sider": built.page_count, "kB": round(len(built.pdf) / 1024)}


@on_job_ended("report")
def report_job_ended(params: dict, status: str, message: str | None) -> None:
    """A report job that ended without its PDF leaves the report failed (cancelled: back
    to a draft), never "queued" or "running"."""
    report_id = params.get("report_id")
    report = db.session.get(Report, report_id) if report_id else None
    if report is not None and report.status in ("queued", "running"):
        report.status = "draft" if status == "cancelled" else "failed"
        report.error = message
