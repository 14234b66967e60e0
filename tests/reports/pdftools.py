"""Reading a report PDF back: text per page, table rows from the tagged structure, figures."""

from __future__ import annotations

import io
import re
from collections import defaultdict

import pdfplumber
from pypdf import PdfReader


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _mcids(element: dict) -> list[int]:
    found = list(element.get("mcids") or [])
    for child in element.get("children", []):
        found += _mcids(child)
    return found


def _walk(element: dict):
    yield element
    for child in element.get("children", []):
        yield from _walk(child)


class ReportPdf:
    """A parsed report: page texts, tagged table rows per page, the PDF's catalog."""

    def __init__(self, data: bytes):
        self.data = data
        self.reader = PdfReader(io.BytesIO(data))
        self.pages: list[str] = []
        self.rows: list[list[list[str]]] = []  # per page: rows of cell texts
        self.tables: list[list[list[str]]] = []  # per page: each table's child types
        self.headers: list[str] = []  # per page: the text in the top margin (running header)
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                self.pages.append(page.extract_text() or "")
                top_margin = page.crop((0, 0, page.width, 60))  # 60 pt: within the 24 mm margin
                self.headers.append(squash(top_margin.extract_text() or ""))
                chars = defaultdict(list)
                for char in page.chars:
                    if char.get("mcid") is not None:
                        chars[char["mcid"]].append(char["text"])
                page_rows, page_tables = [], []
                for root in page.structure_tree:
                    for element in _walk(root):
                        if element.get("type") == "Table":
                            page_tables.append([c.get("type") for c in element.get("children", [])])
                        if element.get("type") != "TR":
                            continue
                        cells = [
                            squash(" ".join("".join(chars[m]) for m in _mcids(cell)))
                            for cell in element.get("children", [])
                            if cell.get("type") in ("TH", "TD")
                        ]
                        page_rows.append(cells)
                self.rows.append(page_rows)
                self.tables.append(page_tables)

    @property
    def text(self) -> str:
        return squash("\n".join(self.pages))

    def section_pages(self, heading: str, next_heading: str | None) -> list[int]:
        """Page indexes from the page with `heading` up to the one with `next_heading`."""
        start = next(i for i, t in enumerate(self.pages) if re.search(rf"^{heading}$", t, re.M))
        end = len(self.pages) - 1
        if next_heading:
            end = next(
                i
                for i, t in enumerate(self.pages)
                if i >= start and re.search(rf"^{next_heading}$", t, re.M)
            )
        return list(range(start, end + 1))

    def section_text(self, heading: str, next_heading: str | None) -> str:
        return squash(" ".join(self.pages[i] for i in self.section_pages(heading, next_heading)))

    def section_rows(self, heading: str, next_heading: str | None) -> list[list[str]]:
        return [row for i in self.section_pages(heading, next_heading) for row in self.rows[i]]

    # --- Catalog and structure -----------------------------------------------------------

    @property
    def catalog(self):
        return self.reader.trailer["/Root"]

    def structure_elements(self):
        """Every structure element (dict) of the whole document's tag tree."""
        root = self.catalog["/StructTreeRoot"].get_object()
        stack = list(_as_list(root.get("/K")))
        while stack:
            element = stack.pop().get_object()
            if not isinstance(element, dict) or "/S" not in element:
                continue
            yield element
            for kid in _as_list(element.get("/K")):
                if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                    stack.append(kid)


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
