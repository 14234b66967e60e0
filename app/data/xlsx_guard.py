"""An XLSX opened as a zip with every limit checked before openpyxl parses a byte.

`GuardedZip` is the archive openpyxl reads from (app/data/readers.py hands it over).
Opening it checks the zip directory: number of members, each member's unpacked size,
the total, the compression ratio, no encryption, no archive inside the archive. Every
member openpyxl then opens comes through `GuardedStream`, which counts the bytes it
unpacks (the directory can lie) and feeds them to a small expat parser *before*
returning them: that parser refuses DTDs and entities, counts shared strings and their
length, and, for a worksheet, the rows, the cells of a row and their columns. So a
row of three million cells is refused at its 16.385th cell, before openpyxl has built
more than one chunk of it, and a `<dimension>` claiming 50 million rows is never used.
The sheet parser also notes formula cells without a saved value (openpyxl reads the
saved values in the same single pass: no second workbook load).
"""

from __future__ import annotations

import zipfile
import zlib
from xml.etree.ElementTree import ParseError, fromstring
from xml.parsers import expat

from app.data.limits import Deadline, FileProblem, LimitExceeded, Limits, number, size

ALLOWED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
NESTED_SUFFIXES = (
    ".zip", ".xlsx", ".xlsm", ".xlsb", ".xls", ".docx", ".docm", ".pptx", ".jar", ".gz",
    ".bz2", ".xz", ".7z", ".rar", ".tar", ".bin", ".cab", ".odt", ".ods",
)  # fmt: skip
ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh", b"\xfd7zXZ")
XML_SUFFIXES = (".xml", ".rels", ".vml")
EXCEL_MAX_COLUMNS = 16_384  # XFD: no real row has more <c> elements than this
CHUNK = 1 << 16
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CONTENT_TYPES = "[Content_Types].xml"

CORRUPT = "Filen «{name}» er beskadiget og kan ikke åbnes som Excel-fil (.xlsx)."


def _local(tag: str) -> str:
    return tag.rpartition(":")[2]


class XmlWatcher:
    """Parses a member's bytes as they stream past; refuses DTDs and entities."""

    def __init__(self, guard: GuardedZip, member: str):
        self.guard = guard
        self.member = member
        self.parser = expat.ParserCreate()
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._doctype
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.data

    def _doctype(self, *args) -> None:
        raise FileProblem(
            f"Filen «{self.guard.file_name}» indeholder en XML-definition (DTD) i "
            f"«{self.member}». Det bruger Excel aldrig; filen afvises."
        )

    def start(self, name, attrs) -> None:
        pass

    def end(self, name) -> None:
        pass

    def data(self, text) -> None:
        pass

    def feed(self, data: bytes, final: bool) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError:
            raise FileProblem(
                f"Filen «{self.guard.file_name}» er beskadiget: «{self.member}» er ikke gyldig XML."
            ) from None


class SharedStringsWatcher(XmlWatcher):
    def __init__(self, guard, member):
        super().__init__(guard, member)
        self.count = 0
        self.chars = 0

    def start(self, name, attrs) -> None:
        if _local(name) == "si":
            self.count += 1
            self.chars = 0
            if self.count > self.guard.limits.xlsx_max_shared_strings:
                raise LimitExceeded(
                    f"Filen «{self.guard.file_name}» har flere end "
                    f"{number(self.guard.limits.xlsx_max_shared_strings)} forskellige tekster "
                    "(grænsen for én import). Del den op i flere filer."
                )

    def data(self, text) -> None:
        self.chars += len(text)
        if self.chars > self.guard.limits.max_cell_chars:
            raise LimitExceeded(
                f"Filen «{self.guard.file_name}» har en tekst på mere end "
                f"{number(self.guard.limits.max_cell_chars)} tegn (Excels grænse for én celle)."
            )


class SheetWatcher(XmlWatcher):
    """Rows, cells per row and columns of a worksheet; formula cells without a value."""

    def __init__(self, guard, member, sheet_name: str):
        super().__init__(guard, member)
        self.sheet_name = sheet_name
        self.limits = guard.limits
        self.rows_seen = 0
        self.row = 0
        self.column = 0
        self.cells_in_row = 0
        self.in_cell = False
        self.element = ""
        self.chars = 0
        self.has_value = False
        self.formula: list[str] | None = None
        # row -> {column: formula text} for formula cells Excel saved no value for
        self.formulas: dict[int, dict[int, str]] = {}

    def _where(self) -> str:
        return f"Filen «{self.guard.file_name}» (arket «{self.sheet_name}»)"

    def start(self, name, attrs) -> None:
        tag = _local(name)
        if tag == "row":
            self.rows_seen += 1
            reference = attrs.get("r")
            try:
                self.row = int(reference) if reference else self.row + 1
            except ValueError:
                raise FileProblem(f"{self._where()} har et ugyldigt rækkenummer.") from None
            if self.row > self.limits.xlsx_max_row_number or self.rows_seen > (
                self.limits.xlsx_max_row_number
            ):
                raise LimitExceeded(
                    f"{self._where()} har flere end {number(self.limits.xlsx_max_row_number)} "
                    "rækker (Excels grænse); filen er ikke skrevet af Excel."
                )
            self.column = 0
            self.cells_in_row = 0
        elif tag == "c":
            self.cells_in_row += 1
            reference = attrs.get("r")
            self.column = _column(reference) if reference else self.column + 1
            if self.cells_in_row > EXCEL_MAX_COLUMNS or self.column > EXCEL_MAX_COLUMNS:
                self._too_many_columns()
            self.in_cell, self.has_value, self.formula, self.chars = True, False, None, 0
        elif self.in_cell:
            self.element = tag
            if tag == "f":
                self.formula = []
            elif tag == "is":
                self.has_value = True

    def _too_many_columns(self) -> None:
        limit = self.limits.max_columns
        raise LimitExceeded(
            f"{self._where()} har flere end {limit} kolonner i række {self.row} "
            f"(grænsen for én import er {limit} kolonner). Slet de overflødige kolonner."
        )

    def data(self, text) -> None:
        if not self.in_cell:
            return
        self.chars += len(text)
        if self.chars > self.limits.max_cell_chars:
            raise LimitExceeded(
                f"{self._where()} har en celle i række {self.row} med mere end "
                f"{number(self.limits.max_cell_chars)} tegn (Excels grænse for én celle)."
            )
        if self.element == "v" and text:
            self.has_value = True
        elif self.element == "f" and self.formula is not None:
            self.formula.append(text)

    def end(self, name) -> None:
        tag = _local(name)
        if tag == "c":
            self.in_cell = False
            if (self.has_value or self.formula is not None) and (
                self.column > self.limits.max_columns
            ):
                self._too_many_columns()
            if self.formula is not None and not self.has_value:
                self.formulas.setdefault(self.row, {})[self.column] = "".join(self.formula)
        elif self.in_cell:
            self.element = ""


def _column(reference: str) -> int:
    """ "BZ12" -> 78; anything past Excel's last column counts as "too far"."""
    column = 0
    for char in reference:
        if "A" <= char <= "Z":
            column = column * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            column = column * 26 + ord(char) - 96
        else:
            break
        if column > EXCEL_MAX_COLUMNS:
            return EXCEL_MAX_COLUMNS + 1
    return column or 1


class GuardedStream:
    """A member of the archive, read with a counting limit and watched as it streams."""

    def __init__(self, guard: GuardedZip, raw, member: str, cap: int, watcher):
        self.guard, self.raw, self.member, self.cap, self.watcher = guard, raw, member, cap, watcher
        self.count = 0
        self.done = False

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while chunk := self.read(CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        self.guard.deadline.check()
        try:
            data = self.raw.read(min(n, CHUNK))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
            raise FileProblem(CORRUPT.format(name=self.guard.file_name)) from None
        self.count += len(data)
        if self.count > self.cap:
            raise LimitExceeded(
                f"Filen «{self.guard.file_name}» er for stor udpakket: «{self.member}» fylder "
                f"mere end {size(self.cap)} (grænsen). Del den op i flere filer."
            )
        if self.watcher is not None and not self.done:
            self.done = not data
            self.watcher.feed(data, self.done)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class GuardedZip(zipfile.ZipFile):
    def __init__(self, path, file_name: str, limits: Limits, deadline: Deadline):
        self.file_name = file_name
        self.limits = limits
        self.deadline = deadline
        try:
            super().__init__(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise FileProblem("Filen kan ikke åbnes som Excel-fil (.xlsx).") from None
        self.kinds: dict[str, str] = {}
        try:
            self._check_directory()
            self._read_content_types()
        except BaseException:
            self.close()
            raise

    # -- before anything is unpacked --------------------------------------------------

    def _cap(self, name: str) -> int:
        kind = self.kinds.get(name)
        if kind == "sheet":
            return self.limits.xlsx_max_sheet_bytes
        if kind == "strings":
            return self.limits.xlsx_max_shared_strings_bytes
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            return self.limits.xlsx_max_sheet_bytes  # until the content types say more
        if name.lower().endswith("sharedstrings.xml"):
            return self.limits.xlsx_max_shared_strings_bytes
        return self.limits.xlsx_max_other_bytes

    def _check_directory(self) -> None:
        limits, name = self.limits, self.file_name
        infos = self.infolist()
        if len(infos) > limits.xlsx_max_members:
            raise LimitExceeded(
                f"Filen «{name}» består af {number(len(infos))} dele; en Excel-fil til import "
                f"må højst have {number(limits.xlsx_max_members)}."
            )
        total = 0
        for info in infos:
            member = info.filename
            if info.flag_bits & 0x1:
                raise FileProblem(
                    f"Filen «{name}» er beskyttet med adgangskode. Gem den uden adgangskode."
                )
            if info.compress_type not in ALLOWED_METHODS:
                raise FileProblem(CORRUPT.format(name=name))
            if member.lower().endswith(NESTED_SUFFIXES):
                self._nested(member)
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.xlsx_ratio_from_bytes and ratio > limits.xlsx_max_ratio:
                raise LimitExceeded(
                    f"Filen «{name}» ligner en zip-bombe: «{member}» pakker sig ud til "
                    f"{number(int(ratio))} gange sin størrelse (grænsen er "
                    f"{number(limits.xlsx_max_ratio)} gange). Gem filen igen fra Excel."
                )
            cap = self._cap(member)
            # Members that are not XML (images) are never unpacked, only counted.
            if info.file_size > cap and member.lower().endswith(XML_SUFFIXES):
                raise LimitExceeded(
                    f"Filen «{name}» er for stor udpakket: «{member}» fylder "
                    f"{size(info.file_size)}; grænsen er {size(cap)}. Del den op i flere filer."
                )
            total += info.file_size
            if total > limits.xlsx_max_total_bytes:
                raise LimitExceeded(
                    f"Filen «{name}» fylder mere end {size(limits.xlsx_max_total_bytes)} "
                    "udpakket (grænsen). Del den op i flere filer."
                )
        for info in infos:
            if not info.filename.lower().endswith(XML_SUFFIXES) and info.file_size >= 4:
                with super().open(info) as raw:
                    try:
                        head = raw.read(8)
                    except (zipfile.BadZipFile, zlib.error, EOFError):
                        raise FileProblem(CORRUPT.format(name=name)) from None
                if head.startswith(ARCHIVE_MAGIC):
                    self._nested(info.filename)

    def _nested(self, member: str) -> None:
        raise FileProblem(
            f"Filen «{self.file_name}» indeholder en anden pakket fil («{member}»). Det er "
            "ikke tilladt i en dataimport: kopiér arket over i en ny, tom .xlsx-fil."
        )

    def _read_content_types(self) -> None:
        if CONTENT_TYPES not in self.NameToInfo:
            raise FileProblem("Filen kan ikke åbnes som Excel-fil (.xlsx).")
        data = self.read(CONTENT_TYPES)  # through the watcher: no DTD, no entities
        try:
            root = fromstring(data)  # noqa: S314 - checked by XmlWatcher above
        except ParseError:
            raise FileProblem("Filen kan ikke åbnes som Excel-fil (.xlsx).") from None
        for element in root:
            if _local(element.tag.rpartition("}")[2]) != "Override":
                continue
            part = (element.get("PartName") or "").lstrip("/")
            kind = element.get("ContentType")
            if kind == SHEET_TYPE:
                self.kinds[part] = "sheet"
            elif kind == STRINGS_TYPE:
                self.kinds[part] = "strings"
        for part in self.kinds:  # the directory again, now with the right limit
            info = self.NameToInfo.get(part)
            if info is not None and info.file_size > self._cap(part):
                raise LimitExceeded(
                    f"Filen «{self.file_name}» er for stor udpakket: «{part}» fylder "
                    f"{size(info.file_size)}; grænsen er {size(self._cap(part))}."
                )

    # -- while reading --------------------------------------------------------------

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        if mode != "r":
            raise ValueError("read only")
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return self._open(info, None)

    def open_sheet(self, member: str, sheet_name: str) -> GuardedStream:
        info = self.getinfo(member)
        return self._open(info, SheetWatcher(self, member, sheet_name))

    def _open(self, info: zipfile.ZipInfo, watcher) -> GuardedStream:
        member = info.filename
        try:
            raw = super().open(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
            raise FileProblem(CORRUPT.format(name=self.file_name)) from None
        kind = self.kinds.get(member)
        if watcher is None:
            if kind == "strings":
                watcher = SharedStringsWatcher(self, member)
            elif kind == "sheet":
                watcher = SheetWatcher(self, member, member)
            elif member.lower().endswith(XML_SUFFIXES):
                watcher = XmlWatcher(self, member)
        cap = self._cap(member)
        if isinstance(watcher, SheetWatcher):
            cap = self.limits.xlsx_max_sheet_bytes
        return GuardedStream(self, raw, member, cap, watcher)


def unpacked_size(path) -> int | None:
    """What an XLSX's directory says it unpacks to (None: not a readable zip)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
