"""Background jobs of the data area: large imports and the daily retention run."""

from __future__ import annotations

from pathlib import Path

from app.data.retention import apply_retention
from app.data.service import incoming_path, run_import, save_job_report
from app.jobs.registry import job_handler
from app.jobs.runner import JobFailed


@job_handler("import", "Import af data")
def import_job(job, ctx) -> dict:
    params = job.params
    path = incoming_path(params["token"])
    if path is None:
        raise JobFailed("Den uploadede fil findes ikke længere. Upload den igen.")
    report = run_import(
        params["kind"],
        Path(path),
        params["file_name"],
        user=job.user,
        apply=bool(params.get("apply")),
        progress=ctx.progress,
    )
    if params.get("apply") and not report.ok:
        # The preview was clean, but the data changed meanwhile (or the file did).
        raise JobFailed(
            f"Importen blev ikke gemt: {report.error_count} fejl. "
            + "; ".join(e.text() for e in report.errors[:3])
        )
    save_job_report(job.id, report)
    if report.applied:
        path.unlink(missing_ok=True)  # the kept copy is under uploads/<sha256>
    # The job row keeps a small summary (shown on the job pages); the full report with
    # every error lives next to the uploads and is read by the Data page.
    return {
        "læst": report.rows_read,
        "tilføjet" if report.applied else "tilføjes": report.rows_added,
        "opdateret" if report.applied else "opdateres": report.rows_updated,
        "sprunget over": report.rows_skipped,
        "fejl": report.error_count,
    }


@job_handler("retention", "Sletning af gamle rundture")
def retention_job(job, ctx) -> dict:
    ctx.progress(10, "Sletter rundture ældre end opbevaringsperioden")
    deleted = apply_retention(user=job.user)
    return {"rundture_slettet": deleted}
