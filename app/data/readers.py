"""Opening an uploaded table, CSV or XLSX, whatever Danish spreadsheet wrote it.

CSV: UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text") or Windows-1252;
delimiter semicolon, comma, tab or pipe, found from the header line. XLSX: the first sheet
whose header row has the required columns. Rows come out as lists of cell values (str
for CSV; str, float, int, datetime or None for XLSX) with the row number a spreadsheet
shows (the header is row 1 when it is the first line).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.data.columns import ColumnSpec, normalise_header
from app.data.values import Formula

DELIMITERS = (";", ",", "\t", "|")
DELIMITER_NAMES = {";": "semikolon", ",": "komma", "\t": "tabulator", "|": "lodret streg"}


class FileProblem(Exception):
    """The file as a whole cannot be read; the message (Danish) says why."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list]]  # (row number, cells)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


def read_table(path: Path, file_name: str, spec: ColumnSpec, max_rows: int) -> Table:
    raw = Path(path).read_bytes()
    if not raw.strip():
        raise FileProblem("Filen er tom.")
    suffix = Path(file_name).suffix.lower()
    if raw.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, spec, max_rows)
    if suffix in (".xlsx", ".xlsm"):
        raise FileProblem("Filen hedder .xlsx, men er ikke en gyldig Excel-fil.")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            "Filen er i det gamle Excel-format (.xls). Gem den som .xlsx eller CSV og prøv igen."
        )
    text, encoding = _decode(raw)
    if _looks_binary(text):
        raise FileProblem(BINARY_MESSAGE)
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")):
        raise FileProblem("Filen er en HTML- eller XML-side, ikke en tabel (CSV eller XLSX).")
    return _read_csv(text, encoding, max_rows)


BINARY_MESSAGE = (
    "Filen er ikke en tabel: den indeholder binære data. Upload en CSV- eller XLSX-fil."
)


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    odd = sum(1 for ch in sample if 0xD800 <= ord(ch) <= 0xF8FF or ch == "\ufffd")
    return (controls + odd) > max(2, len(sample) // 100)


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16"
    if b"\x00" in raw[:8192]:
        raise FileProblem(BINARY_MESSAGE)
    try:
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise FileProblem(
            "Filens tegnsæt kan ikke læses. Gem den som CSV (UTF-8) og prøv igen."
        ) from None


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


def _read_csv(text: str, encoding: str, max_rows: int) -> Table:
    # Only the header line is needed to find the delimiter (not a list of every line).
    header_line = next((line for line in io.StringIO(text) if line.strip()), None)
    if header_line is None:
        raise FileProblem("Filen er tom.")
    delimiter = _sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
        while not any(h.strip() for h in headers):
            headers = next(reader)
    except StopIteration:
        raise FileProblem("Filen er tom.") from None
    except csv.Error as error:
        raise FileProblem(f"Filen kan ikke læses som CSV: {error}.") from None
    header_row = reader.line_num

    def rows() -> Iterator[tuple[int, list]]:
        count = 0
        try:
            for cells in reader:
                if not cells or not any(cells):
                    continue
                count += 1
                if count > max_rows:
                    raise FileProblem(_too_many(max_rows))
                yield reader.line_num, cells
        except csv.Error as error:
            raise FileProblem(
                f"Filen kan ikke læses som CSV omkring linje {reader.line_num}: {error}."
            ) from None

    notes = [f"Læst som CSV, tegnsæt {encoding}, skilletegn {DELIMITER_NAMES[delimiter]}."]
    if header_row > 1:
        notes.append(f"Overskrifterne står i række {header_row}.")
    return Table(headers, rows(), notes, encoding=encoding, delimiter=delimiter)


def _too_many(max_rows: int) -> str:
    return (
        f"Filen har mere end {max_rows:,} rækker (grænsen for én import). Del den op i flere filer."
    ).replace(",", ".")


def _read_xlsx(path: Path, spec: ColumnSpec, max_rows: int) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception:
        raise FileProblem("Filen kan ikke åbnes som Excel-fil (.xlsx).") from None
    sheets = workbook.sheetnames
    chosen, headers, header_row = None, None, 0
    first_headers: list[str] | None = None
    for name in sheets:
        found = _first_row(workbook[name])
        if found is None:
            continue
        row_number, cells = found
        labels = ["" if c is None else str(c) for c in cells]
        if first_headers is None:
            first_headers = labels
        if spec.matches(labels):
            chosen, headers, header_row = name, labels, row_number
            break
    if chosen is None:
        workbook.close()
        if first_headers is None:
            raise FileProblem("Regnearket er tomt.")
        if len(sheets) > 1:
            names = ", ".join(f"«{s}»" for s in sheets)
            wanted = ", ".join(f"«{c.label}»" for c in spec.required)
            raise FileProblem(f"Ingen af arkene ({names}) har de nødvendige kolonner ({wanted}).")
        # One sheet: let the caller report exactly which columns are missing.
        chosen, headers, header_row = sheets[0], first_headers, 1
    sheet = workbook[chosen]
    formulas: list[tuple[int, int]] = []

    def rows() -> Iterator[tuple[int, list]]:
        count = 0
        try:
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number <= header_row:
                    continue
                if not any(c is not None and c != "" for c in cells):
                    continue
                count += 1
                if count > max_rows:
                    raise FileProblem(_too_many(max_rows))
                cells = list(cells)
                for i, cell in enumerate(cells):
                    if isinstance(cell, str) and cell.startswith("="):
                        cells[i] = _cached_value(path, chosen, number, i) or Formula(cell)
                        formulas.append((number, i))
                yield number, cells
        finally:
            workbook.close()

    notes = [f"Læst som Excel-fil, arket «{chosen}»."]
    if len(sheets) > 1:
        notes.append(f"Filen har {len(sheets)} ark; kun «{chosen}» er læst.")
    return Table(headers, rows(), notes, sheet=chosen)


def _first_row(sheet) -> tuple[int, list] | None:
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if any(c is not None and str(c).strip() for c in cells):
            return number, list(cells)
        if number > 20:
            break
    return None


_CACHED: dict[tuple[str, str], object] = {}


def _cached_value(path: Path, sheet: str, row: int, column: int):
    """The value Excel saved for a formula cell (None when it never computed one)."""
    from openpyxl import load_workbook

    key = (str(path), sheet)
    if key not in _CACHED:
        _CACHED.clear()
        _CACHED[key] = load_workbook(path, read_only=False, data_only=True)[sheet]
    value = _CACHED[key].cell(row=row, column=column + 1).value
    return value


def header_summary(headers: list[str]) -> str:
    shown = [h if len(h) <= 40 else h[:37] + "…" for h in headers if normalise_header(h)]
    if len(shown) > 12:
        shown = [*shown[:12], "…"]
    return ", ".join(f"«{h}»" for h in shown) or "ingen"
