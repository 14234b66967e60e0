"""Opening an uploaded table, CSV or XLSX, whatever Danish spreadsheet wrote it.

CSV: UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text") or Windows-1252;
delimiter semicolon, comma, tab or pipe, found from the header line. XLSX: the first sheet
whose header row has the required columns. Rows come out as lists of cell values (str
for CSV; str, float, int, datetime or None for XLSX) with the row number a spreadsheet
shows (the header is row 1 when it is the first line).
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.data.columns import ColumnSpec, normalise_header
from app.data.limits import Deadline, FileProblem, LimitExceeded, Limits, number, size
from app.data.values import Formula

DELIMITERS = (";", ",", "\t", "|")
DELIMITER_NAMES = {";": "semikolon", ",": "komma", "\t": "tabulator", "|": "lodret streg"}
HEAD_BYTES = 8192

__all__ = ["FileProblem", "LimitExceeded", "Table", "read_table"]


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list]]  # (row number, cells)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


def read_table(
    path: Path,
    file_name: str,
    spec: ColumnSpec,
    max_rows: int | None = None,
    *,
    limits: Limits | None = None,
    deadline: Deadline | None = None,
) -> Table:
    """Open a table within `limits` (see app/data/limits.py); FileProblem when it cannot."""
    limits = limits or Limits()
    if max_rows is not None:
        limits = replace(limits, max_rows=max_rows)
    deadline = deadline or Deadline(limits.parse_seconds, file_name)
    path = Path(path)
    total = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head.strip() and total <= HEAD_BYTES:
        raise FileProblem("Filen er tom.")
    suffix = Path(file_name).suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, file_name, spec, limits, deadline)
    if suffix in (".xlsx", ".xlsm"):
        raise FileProblem("Filen hedder .xlsx, men er ikke en gyldig Excel-fil.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            "Filen er i det gamle Excel-format (.xls). Gem den som .xlsx eller CSV og prøv igen."
        )
    if total > limits.csv_max_bytes:
        raise LimitExceeded(
            f"Filen «{file_name}» fylder {size(total)}; en CSV-fil må højst fylde "
            f"{size(limits.csv_max_bytes)}. Del den op i flere filer."
        )
    encoding, label = _encoding(path, head)
    sample = head.decode(encoding, errors="replace") if encoding != "utf-16" else None
    if sample is None:
        sample = head[: HEAD_BYTES - HEAD_BYTES % 2].decode("utf-16", errors="replace")
    if _looks_binary(sample):
        raise FileProblem(BINARY_MESSAGE)
    start = sample.lstrip("\ufeff").lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html", "<?xml")):
        raise FileProblem("Filen er en HTML- eller XML-side, ikke en tabel (CSV eller XLSX).")
    return _read_csv(path, file_name, encoding, label, limits, deadline)


BINARY_MESSAGE = (
    "Filen er ikke en tabel: den indeholder binære data. Upload en CSV- eller XLSX-fil."
)


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    odd = sum(1 for ch in sample if 0xD800 <= ord(ch) <= 0xF8FF or ch == "\ufffd")
    return (controls + odd) > max(2, len(sample) // 100)


def _encoding(path: Path, head: bytes) -> tuple[str, str]:
    """The codec and its Danish label, from the BOM or by checking the whole file."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "UTF-16"
    if b"\x00" in head:
        raise FileProblem(BINARY_MESSAGE)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252", "Windows-1252"
    return "utf-8-sig", "UTF-8"


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def _lines(handle, file_name: str, limits: Limits, deadline: Deadline) -> Iterator[str]:
    """Physical lines, each checked for length and NUL before the CSV parser sees it."""
    cap = limits.csv_max_line_chars
    for line_number in itertools.count(1):
        try:
            line = handle.readline(cap + 1)
        except UnicodeDecodeError:
            raise FileProblem(
                "Filens tegnsæt kan ikke læses. Gem den som CSV (UTF-8) og prøv igen."
            ) from None
        if not line:
            return
        if len(line) > cap:
            raise LimitExceeded(
                f"Linje {number(line_number)} i filen «{file_name}» er længere end "
                f"{number(cap)} tegn (grænsen for én linje). Er det en CSV-fil?"
            )
        if "\x00" in line:
            raise FileProblem(
                f"Filen «{file_name}» indeholder NUL-tegn (binære data) i linje "
                f"{number(line_number)}. Upload en CSV- eller XLSX-fil."
            )
        if line_number % 1024 == 0:
            deadline.check()
        yield line


def _columns_checked(cells: list, row: int, file_name: str, limits: Limits) -> list:
    if len(cells) > limits.max_columns:
        while cells and cells[-1] in ("", None):  # trailing empty cells are harmless
            cells.pop()
        if len(cells) > limits.max_columns:
            raise LimitExceeded(_too_many_columns(file_name, row, limits.max_columns))
    return cells


def _too_many_columns(file_name: str, row: int, limit: int) -> str:
    return (
        f"Filen «{file_name}» har flere end {limit} kolonner i række {number(row)} "
        f"(grænsen for én import er {limit} kolonner). Slet de overflødige kolonner."
    )


def _read_csv(
    path: Path, file_name: str, encoding: str, label: str, limits: Limits, deadline: Deadline
) -> Table:
    handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by rows()
    try:
        lines = _lines(handle, file_name, limits, deadline)
        skipped = 0
        header_line = None
        for line in lines:
            if line.strip():
                header_line = line
                break
            skipped += 1
        if header_line is None:
            raise FileProblem("Filen er tom.")
        delimiter = _sniff_delimiter(header_line)
        reader = csv.reader(itertools.chain([header_line], lines), delimiter=delimiter)
        try:
            headers = next(reader)
            while not any(h.strip() for h in headers):
                headers = next(reader)
        except StopIteration:
            raise FileProblem("Filen er tom.") from None
        except csv.Error as error:
            raise FileProblem(f"Filen kan ikke læses som CSV: {error}.") from None
        header_row = reader.line_num + skipped
        headers = _columns_checked(headers, header_row, file_name, limits)
    except BaseException:
        handle.close()
        raise

    def rows() -> Iterator[tuple[int, list]]:
        count = 0
        try:
            for cells in reader:
                if not cells or not any(cells):
                    continue
                count += 1
                if count > limits.max_rows:
                    raise LimitExceeded(_too_many(limits.max_rows))
                row = reader.line_num + skipped
                yield row, _columns_checked(cells, row, file_name, limits)
        except csv.Error as error:
            raise FileProblem(
                f"Filen kan ikke læses som CSV omkring linje {reader.line_num + skipped}: {error}."
            ) from None
        finally:
            handle.close()

    notes = [f"Læst som CSV, tegnsæt {label}, skilletegn {DELIMITER_NAMES[delimiter]}."]
    if header_row > 1:
        notes.append(f"Overskrifterne står i række {header_row}.")
    return Table(headers, rows(), notes, encoding=label, delimiter=delimiter)


def _too_many(max_rows: int) -> str:
    return (
        f"Filen har mere end {number(max_rows)} rækker (grænsen for én import). "
        "Del den op i flere filer."
    )


OPEN_FAILED = "Filen kan ikke åbnes som Excel-fil (.xlsx)."


def _open_workbook(path: Path, file_name: str, limits: Limits, deadline: Deadline):
    """The guarded archive and openpyxl's workbook parts (strings, styles, sheet list).

    Only what a read needs: no worksheet objects (their `<dimension>` is never used),
    no second load for formula values (the saved values come in the same pass).
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    from app.data.xlsx_guard import GuardedZip

    archive = GuardedZip(path, file_name, limits, deadline)
    try:
        with open(path, "rb") as handle:
            reader = ExcelReader(handle, read_only=True, data_only=True, keep_links=False)
            reader.archive.close()
        reader.archive = archive
        reader.valid_files = archive.namelist()
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(archive, reader.wb)
        sheets = [
            (sheet.name, rel.target)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in (rel.Type or "")
        ]
    except (FileProblem, MemoryError):  # MemoryError: the work-horse's limit (jobs.py)
        archive.close()
        raise
    except Exception:
        archive.close()
        raise FileProblem(OPEN_FAILED) from None
    return archive, reader.wb, reader.shared_strings, sheets


def _sheet_rows(archive, workbook, strings, member: str, sheet_name: str, deadline):
    """(row number, values) of one worksheet in one streaming pass, within the limits."""
    from openpyxl.worksheet._reader import WorkSheetParser

    stream = archive.open_sheet(member, sheet_name)
    formulas = stream.watcher.formulas
    parser = WorkSheetParser(
        stream,
        strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    number_ = 0
    try:
        for number_, cells in parser.parse():
            if number_ % 1024 == 0:
                deadline.check()
            width = max((c["column"] for c in cells if c["value"] is not None), default=0)
            pending = formulas.pop(number_, None)
            if pending:
                width = max(width, *pending)
            values = [None] * width
            for cell in cells:
                if cell["value"] is not None and cell["column"] <= width:
                    values[cell["column"] - 1] = cell["value"]
            for column, text in (pending or {}).items():
                if values[column - 1] is None:
                    values[column - 1] = Formula("=" + text if text else "=")
            yield number_, values
    except (FileProblem, MemoryError):
        raise
    except Exception:
        raise FileProblem(
            f"Filen kan ikke læses som Excel-fil omkring række {number(number_ + 1)} i arket "
            f"«{sheet_name}»."
        ) from None
    finally:
        stream.close()


def _read_xlsx(
    path: Path, file_name: str, spec: ColumnSpec, limits: Limits, deadline: Deadline
) -> Table:
    archive, workbook, strings, sheets = _open_workbook(path, file_name, limits, deadline)
    try:
        names = [name for name, _member in sheets]
        chosen, headers, header_row = None, None, 0
        first_headers: list[str] | None = None
        for name, member in sheets:
            found = _first_row(_sheet_rows(archive, workbook, strings, member, name, deadline))
            if found is None:
                continue
            row_number, cells = found
            labels = ["" if c is None else str(c) for c in cells]
            if first_headers is None:
                first_headers = labels
                first = (name, member, row_number)
            if spec.matches(labels):
                chosen, headers, header_row = (name, member), labels, row_number
                break
        if chosen is None:
            if first_headers is None:
                raise FileProblem("Regnearket er tomt.")
            if len(sheets) > 1:
                listed = ", ".join(f"«{s}»" for s in names)
                wanted = ", ".join(f"«{c.label}»" for c in spec.required)
                raise FileProblem(
                    f"Ingen af arkene ({listed}) har de nødvendige kolonner ({wanted})."
                )
            # One sheet: let the caller report exactly which columns are missing.
            chosen, headers, header_row = (first[0], first[1]), first_headers, first[2]
    except BaseException:
        archive.close()
        raise
    sheet_name, member = chosen

    def rows() -> Iterator[tuple[int, list]]:
        count = 0
        try:
            for row_number, cells in _sheet_rows(
                archive, workbook, strings, member, sheet_name, deadline
            ):
                if row_number <= header_row:
                    continue
                if not any(c is not None and c != "" for c in cells):
                    continue
                count += 1
                if count > limits.max_rows:
                    raise LimitExceeded(_too_many(limits.max_rows))
                yield row_number, cells
        finally:
            archive.close()

    notes = [f"Læst som Excel-fil, arket «{sheet_name}»."]
    if len(sheets) > 1:
        notes.append(f"Filen har {len(sheets)} ark; kun «{sheet_name}» er læst.")
    return Table(headers, rows(), notes, sheet=sheet_name)


def _first_row(rows) -> tuple[int, list] | None:
    try:
        for number_, cells in rows:
            if any(c is not None and str(c).strip() for c in cells):
                return number_, cells
            if number_ > 20:
                break
        return None
    finally:
        rows.close()


def header_summary(headers: list[str]) -> str:
    shown = [h if len(h) <= 40 else h[:37] + "…" for h in headers if normalise_header(h)]
    if len(shown) > 12:
        shown = [*shown[:12], "…"]
    return ", ".join(f"«{h}»" for h in shown) or "ingen"
