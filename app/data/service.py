"""Running an import: read, check, preview; on "Gem" apply it atomically and keep the file.

Every import is the same two steps for every kind of file: `run_import(apply=False)`
gives the preview (counts, every error, a sample) and changes nothing; with `apply=True`
it repeats the checks and, only when there are no errors, writes everything in one
transaction together with an ImportBatch, the audit event and the stored original.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select

from app.audit import record
from app.data.gps import GpsImporter
from app.data.limits import limits_from_config
from app.data.locations_import import LocationsImporter
from app.data.models_import import ModelsImporter
from app.data.readers import FileProblem, read_table
from app.data.report import ImportReport
from app.data.trips_import import TripsImporter
from app.data.values import aware
from app.data.vehicles_import import UndoRefused, VehiclesImporter
from app.extensions import db
from app.models import ImportBatch, Role, RoundTrip

IMPORTERS = {
    "trips": TripsImporter,
    "gps": GpsImporter,
    "vehicles": VehiclesImporter,
    "locations": LocationsImporter,
    "models": ModelsImporter,
}
# Kinds that change global settings rather than the municipality's own data.
ADMIN_KINDS = {"models"}
KIND_LABELS = {
    "trips": "Rundture",
    "gps": "GPS-log (ture fra A til B)",
    "vehicles": "Køretøjsregister",
    "locations": "Lokationer",
    "models": "Modelkatalog (kun administrator)",
}
ALLOWED_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
Progress = Callable[[float, str], None]

__all__ = ["FileProblem", "ImportReport", "UndoRefused", "run_import", "undo_batch"]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def uploads_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def safe_name(file_name: str) -> str:
    name = Path(file_name or "fil").name
    cleaned = re.sub(r"[^0-9A-Za-zÆØÅæøå._-]+", "_", name).strip("._")
    return (cleaned or "fil")[:120]


def save_incoming(stream, file_name: str) -> Path:
    """Keep an upload until it is saved or abandoned (swept after a day)."""
    incoming = uploads_dir() / "incoming"
    incoming.mkdir(exist_ok=True)
    _sweep(incoming)
    path = incoming / f"{uuid.uuid4().hex}{Path(safe_name(file_name)).suffix.lower()}"
    with open(path, "wb") as handle:
        shutil.copyfileobj(stream, handle, 1 << 20)
    return path


def _report_path(job_id: int) -> Path:
    folder = uploads_dir() / "reports"
    folder.mkdir(exist_ok=True)
    return folder / f"job-{int(job_id)}.json"


def save_job_report(job_id: int, report: ImportReport) -> None:
    import json

    _report_path(job_id).write_text(json.dumps(report.to_dict()), encoding="utf-8")


def load_job_report(job_id: int) -> ImportReport | None:
    import json

    path = _report_path(job_id)
    if not path.exists():
        return None
    return ImportReport.from_dict(json.loads(path.read_text(encoding="utf-8")))


def incoming_path(token: str) -> Path | None:
    """The stored upload for a preview token (a file name we generated, nothing else)."""
    if not re.fullmatch(r"[0-9a-f]{32}\.[a-z]{3,4}", token or ""):
        return None
    path = uploads_dir() / "incoming" / token
    return path if path.exists() else None


def _sweep(folder: Path, max_age_s: int = 86_400) -> None:
    now = time.time()
    for old in folder.iterdir():
        if old.is_file() and now - old.stat().st_mtime > max_age_s:
            old.unlink(missing_ok=True)


def run_import(
    kind: str,
    path: Path,
    file_name: str,
    *,
    user=None,
    apply: bool = False,
    progress: Progress | None = None,
    keep_all_errors: bool = False,
    parse_seconds: float | None = None,
) -> ImportReport:
    """Check a file (and apply it when `apply` and it has no errors).

    The web preview keeps the first 1.000 errors (and counts the rest); the command line
    keeps all of them (`keep_all_errors`), since it prints every one. The file is read
    within the limits of app/data/limits.py (`parse_seconds`: the time for reading).
    """
    copies: list[MinimalXlsxCopy] = []  # a kept copy being written; removed unless saved
    try:
        return _run_import(
            kind,
            path,
            file_name,
            copies,
            user=user,
            apply=apply,
            progress=progress,
            keep_all_errors=keep_all_errors,
            parse_seconds=parse_seconds,
        )
    finally:
        for copy in copies:
            copy.discard()


def _run_import(
    kind: str,
    path: Path,
    file_name: str,
    copies: list,
    *,
    user,
    apply: bool,
    progress: Progress | None,
    keep_all_errors: bool,
    parse_seconds: float | None,
) -> ImportReport:
    importer = IMPORTERS[kind]()
    report = ImportReport(kind=kind, file_name=file_name)
    if keep_all_errors:
        report.max_errors_kept = 10**9
    state = {"pct": 0.0}

    def stage(low: float, high: float):
        def report_progress(share: float | None, phase: str) -> None:
            if share is not None:
                state["pct"] = low + (high - low) * max(0.0, min(1.0, share))
            if progress:
                progress(state["pct"], phase)

        return report_progress

    stage(0, 5)(0, "Læser filen")
    report.checksum = sha256_of(path)
    if Path(file_name).suffix.lower() not in ALLOWED_SUFFIXES:
        report.file_error("Filtypen understøttes ikke. Upload en CSV- eller XLSX-fil.")
        return report
    previous = db.session.scalar(
        select(ImportBatch)
        .where(
            ImportBatch.checksum == report.checksum,
            ImportBatch.kind == kind,
            ImportBatch.status == "applied",
        )
        .order_by(ImportBatch.id.desc())
    )
    if previous is not None:
        report.notes.append(
            f"Præcis samme fil blev importeret før (import nr. {previous.id}); "
            "rækker, der allerede findes, springes over."
        )
    limits = limits_from_config(current_app.config)
    if parse_seconds is not None:
        limits = replace(limits, parse_seconds=parse_seconds)
    try:
        table = read_table(path, file_name, importer.spec, limits=limits)
        columns = importer.spec.map_headers(table.headers)
        report.notes += table.notes
        if columns.missing:
            report.file_error(_missing_message(columns, table))
            return report
        if columns.personal:
            names = ", ".join(f"«{h}»" for h in columns.personal)
            report.ignored_columns += columns.personal
            report.notes.append(
                f"Kolonnen {names} ligner personoplysninger (fører, navn, CPR, medarbejder) "
                "og er ignoreret: FleetOptimiser gemmer ingen personhenførbare data."
            )
            if table.sheet is not None:
                report.notes.append(
                    f"Som kopi af filen gemmes kun arket «{table.sheet}», uden {names}; "
                    "filens andre ark gemmes ikke."
                )
                if apply:  # written while the checks read the rows: one guarded pass
                    copy = MinimalXlsxCopy(table.sheet, table.headers, columns.personal_index)
                    copies.append(copy)
                    table.rows = copy.tee(table.rows)
        if columns.unknown:
            report.ignored_columns += columns.unknown
            names = ", ".join(f"«{h}»" for h in columns.unknown)
            report.notes.append(f"Ukendte kolonner ignoreres: {names}.")
        if columns.duplicated:
            names = ", ".join(f"«{h}»" for h in columns.duplicated)
            report.file_error(f"Kolonnen findes to gange: {names}. Slet den ene.")
            return report
        plan = importer.prepare(table, columns, report, stage(5, 60))
        if copies and report.ok:
            for _row in table.rows:  # every importer reads to the end; the copy must too
                pass
        # File order reads best (the overlap checks find their errors after the rows).
        report.errors.sort(key=lambda e: (e.row or 0))
    except FileProblem as problem:
        report.file_error(str(problem))
        db.session.rollback()
        return report
    if not apply or not report.ok:
        db.session.rollback()  # checks only read; nothing may linger in the session
        return report
    stored_path = None
    try:
        batch = ImportBatch(
            kind=kind,
            file_name=file_name[:255],
            checksum=report.checksum,
            user_id=getattr(user, "id", None),
            status="applied",
            rows_read=report.rows_read,
        )
        db.session.add(batch)
        db.session.flush()
        importer.apply(plan, batch, report, stage(60, 97))
        stage(97, 100)(0, "Gemmer den originale fil")
        stored_path, created_file = _store_original(
            path, report.checksum, file_name, table, columns.personal_index, copies
        )
        if columns.personal_index:
            batch.details = {**(batch.details or {}), "removed_columns": columns.personal}
            if copies:
                batch.details["kept_sheet"] = table.sheet
        batch.stored_path = str(stored_path.relative_to(Path(current_app.instance_path)))
        batch.rows_added = report.rows_added
        batch.rows_updated = report.rows_updated
        batch.rows_skipped = report.rows_skipped
        batch.period_start = aware(report.period_start) if report.period_start else None
        batch.period_end = aware(report.period_end) if report.period_end else None
        batch.details = {**(batch.details or {}), **report.details}
        record(
            "data_imported",
            batch,
            {
                "type": kind,
                "fil": file_name,
                "sha256": report.checksum,
                "læst": report.rows_read,
                "tilføjet": report.rows_added,
                "opdateret": report.rows_updated,
                "sprunget_over": report.rows_skipped,
            },
            user=user,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        if stored_path is not None and created_file:
            stored_path.unlink(missing_ok=True)
        raise
    report.batch_id = batch.id
    report.applied = True
    stage(100, 100)(1, "Færdig")
    return report


def _missing_message(columns, table) -> str:
    from app.data.readers import header_summary

    missing = ", ".join(f"«{c.label}»" for c in columns.missing)
    message = (
        f"Filen mangler kolonnerne {missing}. Fundne overskrifter: {header_summary(table.headers)}."
    )
    if table.delimiter is not None and len(table.headers) == 1:
        message += (
            " Filen ser ud til at have kun én kolonne: brug semikolon eller komma som skilletegn."
        )
    return message


def _store_original(
    path: Path, checksum: str, file_name: str, table, personal: list[int], copies: list
) -> tuple[Path, bool]:
    """Keep the uploaded file, named by its sha256, for audit and re-runs.

    Columns that look like personal data are cut out of the kept copy: they were never
    imported and must not be stored either. For an XLSX that copy is a new workbook
    written from the rows the guarded reader read (see MinimalXlsxCopy): the upload's
    XML is never parsed again, and nothing that was not imported is kept.
    """
    suffix = Path(safe_name(file_name)).suffix.lower()
    if copies:
        suffix = ".xlsx"  # a new workbook without macros, whatever the upload was
    target = uploads_dir() / checksum[:2] / f"{checksum}{'.redacted' if personal else ''}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return target, False
    if not personal:
        shutil.copyfile(path, target)
    elif copies:
        copies[0].save(target)
    else:
        _redact_csv(path, target, table, personal)
    return target, True


def _redact_csv(path: Path, target: Path, table, personal: list[int]) -> None:
    """Streamed, like the read: the file has passed the limits of app/data/limits.py."""
    import csv

    codec = {"UTF-16": "utf-16", "Windows-1252": "cp1252"}.get(table.encoding, "utf-8-sig")
    drop = set(personal)
    with (
        open(path, encoding=codec, newline="") as source,
        open(target, "w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out, delimiter=table.delimiter or ";", lineterminator="\r\n")
        for row in csv.reader(source, delimiter=table.delimiter or ";"):
            writer.writerow([cell for i, cell in enumerate(row) if i not in drop])


class MinimalXlsxCopy:
    """The kept copy of an XLSX with personal-data columns: a new, minimal workbook.

    Data minimisation: it holds only the imported sheet, and of that only the header and
    the rows the import read, without the personal-data columns. Other sheets, formulas,
    comments, hidden names, embedded objects and anything else not imported are not kept
    at all. It is written from the values the guarded reader (app/data/xlsx_guard.py)
    hands the checks, row by row, with openpyxl's write-only workbook (rows go to a
    temporary file, never all into memory), so the uploaded XML is parsed exactly once,
    within the limits, and never by an unguarded loader. It is written where the import
    runs: in the web request for small files, in the background job for the others.
    Blank rows of the upload are not copied, so row numbers may differ from the upload.
    """

    FALLBACK_TITLE = "Import"

    def __init__(self, sheet_name: str, headers: list[str], personal: list[int]):
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        self.illegal = ILLEGAL_CHARACTERS_RE
        self.drop = set(personal)
        self.book = Workbook(write_only=True)
        try:
            self.sheet = self.book.create_sheet(title=sheet_name)
        except ValueError:  # a name Excel accepts but openpyxl refuses
            self.sheet = self.book.create_sheet(title=self.FALLBACK_TITLE)
        self.done = False
        self.append(headers)

    def append(self, values: list) -> None:
        self.sheet.append([self._value(v) for i, v in enumerate(values) if i not in self.drop])

    def _value(self, value):
        """A value the guarded reader produced, as openpyxl can write it (never a formula)."""
        if isinstance(value, str):
            if self.illegal.search(value):  # control characters: not allowed in XLSX
                value = self.illegal.sub("", value)
            if value.startswith("="):
                # Text (or a formula Excel saved no value for) stays text in the copy.
                from openpyxl.cell import WriteOnlyCell

                cell = WriteOnlyCell(self.sheet, str(value))
                cell.data_type = "s"
                return cell
            return str(value)
        if isinstance(value, datetime | time_of_day) and value.tzinfo is not None:
            return value.replace(tzinfo=None)
        if value is None or isinstance(value, int | float | date | time_of_day | timedelta):
            return value
        return str(value)

    def tee(self, rows):
        """The rows, each written to the copy before the checks see it."""
        try:
            for row_number, cells in rows:
                self.append(cells)
                yield row_number, cells
        finally:
            rows.close()

    def save(self, target: Path) -> None:
        """Write the workbook next to `target`, then move it there (never half a file)."""
        part = target.with_name(f".{uuid.uuid4().hex}.part")
        try:
            self.book.save(part)
            self.done = True
            part.replace(target)
        finally:
            part.unlink(missing_ok=True)

    def discard(self) -> None:
        """Remove the temporary sheet file of a copy that was not saved."""
        if self.done:
            return
        self.done = True
        writer = getattr(self.sheet, "_writer", None)
        if writer is None:
            return
        with contextlib.suppress(Exception):  # thrown away: must not hide why it failed
            if not self.sheet.closed:
                self.sheet.close()
        with contextlib.suppress(OSError, ValueError):  # already gone
            writer.cleanup()


def may_undo(batch: ImportBatch, user) -> bool:
    """Who made an import, or an administrator (also for system and command-line imports),
    may undo it."""
    return user.has_role(Role.ADMIN) or (
        batch.user_id is not None and batch.user_id == getattr(user, "id", None)
    )


def may_download(batch: ImportBatch, user) -> bool:
    """Who made an import, or an administrator, may download its kept file.

    The file can hold personal data (a file without recognised personal-data columns is
    kept as uploaded, other sheets and all), so other planners may not.
    """
    return may_undo(batch, user)


def undo_batch(batch: ImportBatch, user=None) -> int:
    """Remove exactly what one import added; returns how many rows it removed or restored."""
    if batch.status != "applied":
        raise UndoRefused("Importen er allerede fortrudt.")
    if batch.kind == "demo":
        raise UndoRefused("Demodata kan ikke fortrydes her.")
    count = batch.rows_added
    if batch.kind == "trips":
        count = db.session.execute(
            delete(RoundTrip).where(RoundTrip.import_batch_id == batch.id)
        ).rowcount
    else:
        importer = IMPORTERS[batch.kind]()
        if batch.kind == "gps":
            count = db.session.scalar(
                select(db.func.count(RoundTrip.id)).where(RoundTrip.import_batch_id == batch.id)
            )
        else:
            count = batch.rows_added + batch.rows_updated
        try:
            importer.undo(batch)
        except UndoRefused:
            db.session.rollback()
            raise
    batch.status = "undone"
    record(
        "data_import_undone",
        batch,
        {
            "type": batch.kind,
            "fil": batch.file_name,
            "fjernet_eller_gendannet": count,
            **(
                {"importeret_af": batch.user_id, "administrator_på_andens_vegne": True}
                if user is not None and batch.user_id != user.id
                else {}
            ),
        },
        user=user,
    )
    db.session.commit()
    return count
