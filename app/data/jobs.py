"""Background jobs of the data area: large imports and the daily retention run."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app

from app.data.limits import WORKER_CPU_SECONDS, WORKER_MEMORY_MB, process_limits
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
    path = Path(path)
    keep = False
    try:
        report = _limited_import(job, ctx, path, params)
        if params.get("apply") and not report.ok:
            # The preview was clean, but the data changed meanwhile (or the file did).
            raise JobFailed(
                f"Importen blev ikke gemt: {report.error_count} fejl. "
                + "; ".join(e.text() for e in report.errors[:3])
            )
        save_job_report(job.id, report)
        # Only a clean preview waits for "Gem"; a saved file is kept under
        # uploads/<sha256>, and a refused, failed or cancelled one is deleted at once.
        keep = not params.get("apply") and report.ok
    finally:
        if not keep:
            path.unlink(missing_ok=True)
    # The job row keeps a small summary (shown on the job pages); the full report with
    # every error lives next to the uploads and is read by the Data page.
    return {
        "læst": report.rows_read,
        "tilføjet" if report.applied else "tilføjes": report.rows_added,
        "opdateret" if report.applied else "opdateres": report.rows_updated,
        "sprunget over": report.rows_skipped,
        "fejl": report.error_count,
    }


def _limited_import(job, ctx, path: Path, params: dict):
    """run_import under a memory and CPU limit when this is RQ's forked work-horse.

    The limits of app/data/limits.py refuse hostile files before they cost anything;
    this is the backstop for a file that gets past them and still needs too much: it
    ends with a Danish message, and the worker lives on. (Not in a process that also
    does other work, e.g. SimpleWorker in tests, unless FLEET_IMPORT_PROCESS_LIMITS.)
    """
    config = current_app.config
    enabled = config.get("FLEET_IMPORT_PROCESS_LIMITS")
    if enabled is None:
        enabled = current_app.extensions.get("fleet_pid") != os.getpid()
    memory_mb = config.get("FLEET_IMPORT_WORKER_MEMORY_MB", WORKER_MEMORY_MB) if enabled else None
    cpu_s = config.get("FLEET_IMPORT_WORKER_CPU_SECONDS", WORKER_CPU_SECONDS) if enabled else None
    report = None
    try:
        with process_limits(memory_mb, cpu_s):
            report = run_import(
                params["kind"],
                path,
                params["file_name"],
                user=job.user,
                apply=bool(params.get("apply")),
                progress=ctx.progress,
            )
    except MemoryError:
        pass  # raised below, once the memory is released and the limit restored
    if report is None:
        allowed = f"{memory_mb} MB" if memory_mb else "den ledige hukommelse"
        raise JobFailed(
            f"Filen «{params['file_name']}» kræver mere hukommelse, end en import må bruge "
            f"({allowed}). Del den op i mindre filer, eller kontakt IT."
        )
    return report


@job_handler("retention", "Sletning af gamle rundture")
def retention_job(job, ctx) -> dict:
    ctx.progress(10, "Sletter rundture ældre end opbevaringsperioden")
    deleted = apply_retention(user=job.user)
    return {"rundture_slettet": deleted}
