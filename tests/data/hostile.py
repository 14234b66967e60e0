"""Hostile spreadsheets, generated at test time into a folder (small on disk, fast).

Each function writes one file and returns its path. The XLSX files are written member by
member with zipfile (streamed, so a 50 MB line or a bomb is never built in memory), as a
minimal workbook openpyxl reads: content types, workbook, one sheet, shared strings.
"""

from __future__ import annotations

import random
import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STRINGS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
HEADER = ["Køretøj", "Start", "Slut", "Km"]
CSV_HEAD = "Køretøj;Start;Slut;Km\n"
GOOD_ROW = ["26", "03-03-2026 08:00", "03-03-2026 09:00", "5"]


def _cell(ref: str, value) -> str:
    if value is None:
        return f'<c r="{ref}"/>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def row_xml(number: int, values: list) -> str:
    cells = "".join(_cell(f"{_col(i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def write_xlsx(
    path: Path,
    rows: Iterable[str] | None = None,
    *,
    dimension: str | None = None,
    strings: Iterable[str] | None = None,
    extra: dict[str, bytes] | None = None,
    prolog: str = "",
    compresslevel: int = 9,
) -> Path:
    """`rows`: chunks of sheet XML (row elements); `strings`: chunks of sharedStrings XML."""
    if rows is None:
        rows = [row_xml(1, HEADER), row_xml(2, GOOD_ROW)]
    overrides = f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_CT}"/>'
    if strings is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_CT}"/>'
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Ark1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as z:
        for name, text in members.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            dim = f'<dimension ref="{dimension}"/>' if dimension else ""
            out.write(f'{prolog}<worksheet xmlns="{MAIN}">{dim}<sheetData>'.encode())
            for chunk in rows:
                out.write(chunk.encode())
            out.write(b"</sheetData></worksheet>")
        if strings is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
                out.write(f'<sst xmlns="{MAIN}">'.encode())
                for chunk in strings:
                    out.write(chunk.encode())
                out.write(b"</sst>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


# -- the corpus --------------------------------------------------------------------------


def lying_dimension(folder: Path) -> Path:
    """Claims 16.384 columns × 50 M rows; holds a header and one row with -4 km."""
    rows = [row_xml(1, HEADER), row_xml(2, ["26", "03-03-2026 08:00", "03-03-2026 09:00", -4])]
    return write_xlsx(folder / "lying_dimension.xlsx", rows, dimension="A1:XFD50000000")


def shared_strings_bomb(folder: Path, count: int = 200_000) -> Path:
    """~13 MB of shared strings in ~20 KB: refused by its compression ratio."""
    text = "<si><t>" + "A" * 50 + "</t></si>"
    return write_xlsx(
        folder / "shared_strings_bomb.xlsx",
        strings=(text * 1000 for _ in range(count // 1000)),
    )


def many_distinct_strings(folder: Path, count: int) -> Path:
    """Random, barely compressible strings (the count limit must catch these)."""
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"

    def chunks():
        for _ in range(count // 1000):
            yield "".join(
                f"<si><t>{''.join(rng.choices(letters, k=8))}</t></si>" for _ in range(1000)
            )

    return write_xlsx(folder / "many_strings.xlsx", strings=chunks())


def huge_row(folder: Path, cells: int = 3_000_000) -> Path:
    """One row of three million empty cells (the 89 KB file of the finding)."""
    rows = [row_xml(1, HEADER), '<row r="2">', *("<c/>" * 10_000 for _ in range(cells // 10_000))]
    rows.append("</row>")
    return write_xlsx(folder / "huge_row.xlsx", rows)


def many_columns(folder: Path, columns: int = 61) -> Path:
    """Row 3 has values in 61 columns."""
    rows = [row_xml(1, HEADER), row_xml(2, GOOD_ROW), row_xml(3, list(range(1, columns + 1)))]
    return write_xlsx(folder / "many_columns.xlsx", rows)


def row_number_too_far(folder: Path) -> Path:
    rows = [row_xml(1, HEADER), row_xml(2, GOOD_ROW), row_xml(999_999_999, GOOD_ROW)]
    return write_xlsx(folder / "row_number.xlsx", rows)


def zip_bomb_member(folder: Path, megabytes: int = 50) -> Path:
    """An image member that unpacks from ~50 KB to 50 MB of zeros."""
    path = folder / "zip_bomb_member.xlsx"
    write_xlsx(path)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("xl/media/image1.png", "w", force_zip64=True) as out,
    ):
        block = b"\0" * (1 << 20)
        for _ in range(megabytes):
            out.write(block)
    return path


def lying_directory(folder: Path) -> Path:
    """The zip directory says the sheet unpacks to 200 bytes; it unpacks to ~5 MB."""
    body = [row_xml(1, HEADER)] + [row_xml(n, GOOD_ROW) for n in range(2, 40_000)]
    path = write_xlsx(folder / "lying_directory.xlsx", body)
    data = bytearray(path.read_bytes())
    at = 0
    while (at := data.find(b"PK\x01\x02", at + 1)) != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, at + 24, 200)
    path.write_bytes(bytes(data))
    return path


def nested_zip(folder: Path) -> Path:
    """A workbook carrying another workbook (zip in zip) as an embedded object."""
    inner = write_xlsx(folder / "inner.xlsx")
    payload = inner.read_bytes()
    inner.unlink()
    return write_xlsx(
        folder / "nested_zip.xlsx", extra={"xl/embeddings/Microsoft_Excel.xlsx": payload}
    )


def zip_disguised_as_image(folder: Path) -> Path:
    inner = write_xlsx(folder / "inner2.xlsx")
    payload = inner.read_bytes()
    inner.unlink()
    return write_xlsx(folder / "zip_as_image.xlsx", extra={"xl/media/image1.png": payload})


def formula_cells(folder: Path) -> Path:
    """Row 2: a formula with the value Excel saved (12); row 3: one without a value."""
    rows = [
        row_xml(1, HEADER),
        '<row r="2"><c r="A2" t="inlineStr"><is><t>26</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>03-03-2026 08:00</t></is></c>'
        '<c r="C2" t="inlineStr"><is><t>03-03-2026 09:00</t></is></c>'
        '<c r="D2"><f>6*2</f><v>12</v></c></row>',
        '<row r="3"><c r="A3" t="inlineStr"><is><t>264</t></is></c>'
        '<c r="B3" t="inlineStr"><is><t>03-03-2026 08:00</t></is></c>'
        '<c r="C3" t="inlineStr"><is><t>03-03-2026 09:00</t></is></c>'
        '<c r="D3"><f>B3*2</f></c></row>',
    ]
    return write_xlsx(folder / "formula_cells.xlsx", rows)


def entity_expansion(folder: Path) -> Path:
    """A billion-laughs DTD in the sheet."""
    prolog = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    return write_xlsx(folder / "entities.xlsx", prolog=prolog)


def csv_long_line(folder: Path, megabytes: int = 50) -> Path:
    """A CSV header and then one 50 MB line, written in 1 MB blocks."""
    path = folder / "long_line.csv"
    with open(path, "wb") as out:
        out.write(CSV_HEAD.encode())
        block = b"a" * (1 << 20)
        for _ in range(megabytes):
            out.write(block)
        out.write(b"\n")
    return path


def csv_nul_bytes(folder: Path) -> Path:
    """Clean for the first 8 KB, then a NUL inside a row."""
    good = "26;03-03-2026 08:00;03-03-2026 09:00;5\n"
    text = CSV_HEAD + good * 400 + "26;03-03-2026\x0010:00;03-03-2026 11:00;5\n"
    path = folder / "nul_bytes.csv"
    path.write_bytes(text.encode())
    return path


def csv_nul_at_start(folder: Path) -> Path:
    path = folder / "nul_start.csv"
    path.write_bytes(CSV_HEAD.encode() + b"26;\x00\x00\x00;x;5\n")
    return path


def csv_many_columns(folder: Path, columns: int = 61) -> Path:
    path = folder / "many_columns.csv"
    row = ";".join(["26", "03-03-2026 08:00", "03-03-2026 09:00", "5"] + ["x"] * (columns - 4))
    path.write_text(CSV_HEAD + "26;03-03-2026 08:00;03-03-2026 09:00;5\n" + row + "\n")
    return path
