"""Limits on reading an uploaded table, checked before and while it is read.

An upload is hostile until proven otherwise: a 2 KB XLSX can claim 50 million rows, a
2 MB one can unpack to 800 MB of XML, a CSV can be one 50 MB line. Every limit below is
checked before the work it guards starts (the zip directory, the header line) and again
while reading (a counting stream: a zip directory can lie), so refusing a hostile file
costs a fraction of a second and a few MB, never a worker.

How the numbers were chosen: a year of round trips for the largest Danish municipality
(about 1.500 vehicles, 3-4 round trips per working day) is about 1,5 M rows; GPS logs of
A-to-B drives run a few times that per vehicle but are delivered per month. So one import
may have 2 M rows (CSV; an XLSX sheet can hold at most 1.048.576 anyway). Our widest
format (the vehicle register) has about 25 columns; telematics exports add some, so 60
columns leave room. A cell may hold what Excel allows (32.767 characters); a CSV line
60 columns of 1.000 characters and then some. Byte sizes follow from those counts: a
full 1.048.576-row sheet of 10 columns is about 500 MB of XML.

`FLEET_IMPORT_LIMITS` (a dict in the app config) overrides any field, e.g. for tests.
"""

from __future__ import annotations

import os
import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace

MB = 1024 * 1024


class FileProblem(Exception):
    """The file as a whole cannot be read; the message (Danish) says why."""


class LimitExceeded(FileProblem):
    """The file goes beyond one of the limits below (message in Danish)."""


@dataclass(frozen=True)
class Limits:
    max_rows: int = 2_000_000  # data rows of one import (FLEET_IMPORT_MAX_ROWS)
    max_columns: int = 60  # columns of a row (header included)
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    # CSV
    csv_max_bytes: int = 512 * MB  # 2 M rows of about 150 bytes, with room
    csv_max_line_chars: int = 100_000  # one physical line
    # XLSX: the zip directory and what its members unpack to
    xlsx_max_members: int = 1_000  # a workbook has 10-20, plus 2-3 per sheet
    xlsx_max_sheet_bytes: int = 1024 * MB  # one worksheet's XML (full sheet ≈ 500 MB)
    xlsx_max_total_bytes: int = 2048 * MB  # everything unpacked
    xlsx_max_other_bytes: int = 32 * MB  # styles, workbook, rels: read whole into memory
    xlsx_max_ratio: int = 100  # unpacked ÷ packed; real sheets are 5-20, bombs 300-1.000
    xlsx_ratio_from_bytes: int = 1 * MB  # small members may compress better; ignored
    xlsx_max_shared_strings_bytes: int = 128 * MB
    xlsx_max_shared_strings: int = 2_500_000  # 1 M rows with two unique texts each
    xlsx_max_row_number: int = 1_048_576  # Excel's last row
    # Time for reading (a backstop: the limits above bound the work already); below RQ's
    # timeout for an import job (1.800 s), so the user gets this message, not a dead job.
    parse_seconds: float = 1500.0


# Uploads up to this size (and, for XLSX, this much unpacked XML) are read in the web
# request; anything larger is read by a background job (app/data/jobs.py).
SYNC_MAX_BYTES = 1 * MB
SYNC_MAX_UNPACKED_BYTES = 16 * MB
# The web request's time for reading a small file (a few seconds at most in practice).
SYNC_PARSE_SECONDS = 30.0
# Memory a background import may use on top of what the work-horse had when it started:
# 2 M parsed round trips take about 1-1,5 GB; beyond this the import fails with a message.
WORKER_MEMORY_MB = 3072
# CPU seconds for one background import (parse, checks and the insert); a last backstop
# under RQ's 1.800 s timeout (SIGXCPU ends the work-horse, the job is marked failed).
WORKER_CPU_SECONDS = 1700


def limits_from_config(config, **changes) -> Limits:
    limits = Limits()
    if "FLEET_IMPORT_MAX_ROWS" in config:
        limits = replace(limits, max_rows=int(config["FLEET_IMPORT_MAX_ROWS"]))
    overrides = dict(config.get("FLEET_IMPORT_LIMITS") or {})
    return replace(limits, **{**overrides, **changes})


def number(value: int) -> str:
    """12345678 -> "12.345.678" (Danish thousands)."""
    return f"{value:,}".replace(",", ".")


def size(value: int) -> str:
    return f"{value / MB:,.0f} MB".replace(",", ".") if value >= MB else f"{value} bytes"


class Deadline:
    """A cooperative time limit: checked per chunk read and per row."""

    def __init__(self, seconds: float, file_name: str):
        self.seconds = seconds
        self.file_name = file_name
        self.until = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.until:
            raise LimitExceeded(
                f"Filen «{self.file_name}» tager for lang tid at læse "
                f"(grænsen er {self.seconds:.0f} sekunder). Del den op i mindre filer."
            )


def _virtual_size() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return 0


@contextmanager
def process_limits(memory_mb: int | None, cpu_seconds: int | None):
    """Lower this process's address-space and CPU limits while the block runs.

    Meant for RQ's forked work-horse: a file that gets past every check above and still
    needs too much memory ends in MemoryError (turned into a Danish message by the job),
    not in the kernel's OOM killer taking the worker. Only soft limits are lowered, and
    they are restored after, so the same process can go on with other work.
    """
    saved = []
    try:
        if memory_mb:
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            target = _virtual_size() + memory_mb * MB
            if hard != resource.RLIM_INFINITY:
                target = min(target, hard)
            if soft == resource.RLIM_INFINITY or target < soft:
                resource.setrlimit(resource.RLIMIT_AS, (target, hard))
                saved.append((resource.RLIMIT_AS, (soft, hard)))
        if cpu_seconds:
            soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            target = int(usage.ru_utime + usage.ru_stime) + cpu_seconds
            if hard != resource.RLIM_INFINITY:
                target = min(target, hard)
            if soft == resource.RLIM_INFINITY or target < soft:
                resource.setrlimit(resource.RLIMIT_CPU, (target, hard))
                saved.append((resource.RLIMIT_CPU, (soft, hard)))
        yield
    finally:
        for which, values in reversed(saved):
            resource.setrlimit(which, values)
