"""What an import found: counts, every error with row, column, value and reason, a sample."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

# Errors kept in full; beyond this only the count grows (a broken 1M-row file would
# otherwise produce a million-line preview).
MAX_ERRORS_KEPT = 1000
SAMPLE_SIZE = 10


@dataclass
class RowError:
    row: int | None
    column: str | None
    value: str | None
    message: str

    def text(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"Række {self.row}")
        if self.column:
            parts.append(f"kolonne «{self.column}»")
        if self.value is not None and self.value != "":
            parts.append(f"værdi «{self.value}»")
        where = ", ".join(parts)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ImportReport:
    kind: str
    file_name: str
    checksum: str = ""
    rows_read: int = 0
    rows_added: int = 0
    rows_updated: int = 0
    rows_skipped: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    sample_columns: list[str] = field(default_factory=list)
    sample_rows: list[list[str]] = field(default_factory=list)
    period_start: datetime | None = None
    period_end: datetime | None = None
    batch_id: int | None = None
    applied: bool = False
    details: dict = field(default_factory=dict)
    max_errors_kept: int = MAX_ERRORS_KEPT

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, row: int | None, column: str | None, value, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < self.max_errors_kept:
            shown = None if value is None else _show(value)
            self.errors.append(RowError(row, column, shown, message))

    def file_error(self, message: str) -> None:
        self.error(None, None, None, message)

    def add_sample(self, values: list) -> None:
        if len(self.sample_rows) < SAMPLE_SIZE:
            self.sample_rows.append([_show(v) for v in values])

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("period_start", "period_end"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        data = dict(data)
        data["errors"] = [RowError(**e) for e in data.get("errors", [])]
        for key in ("period_start", "period_end"):
            if data.get(key):
                data[key] = datetime.fromisoformat(data[key])
        return cls(**data)

    def summary_lines(self) -> list[str]:
        """The preview as plain text (for the command line)."""
        lines = [
            f"Fil: {self.file_name}",
            f"Rækker læst: {self.rows_read}",
            f"Tilføjes: {self.rows_added}  Opdateres: {self.rows_updated}  "
            f"Springes over: {self.rows_skipped}  Fejl: {self.error_count}",
        ]
        lines += [f"Note: {note}" for note in self.notes]
        lines += [f"Advarsel: {warning}" for warning in self.warnings]
        lines += [f"Fejl: {error.text()}" for error in self.errors]
        if self.error_count > len(self.errors):
            lines.append(f"… og {self.error_count - len(self.errors)} fejl mere.")
        return lines


def _show(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y %H:%M:%S")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
