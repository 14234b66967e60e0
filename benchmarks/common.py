"""Pieces the benchmark scripts share: the machine line of a section, number formats."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import time
from pathlib import Path


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def cpu_name() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return cpu


def head_commit(root: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    ).stdout.strip()


def describe(root: Path, load_at_start: str | None = None) -> str:
    """Cores, CPU, load average (at the start too, when given), Python and commit."""
    load = (
        f"load average {load_average()} (1, 5, 15 min) at the end"
        if load_at_start is None
        else f"load average {load_at_start} at the start and {load_average()} at the end"
        " (1, 5, 15 min)"
    )
    return (
        f"{os.cpu_count()} cores, {cpu_name()}; {load}; Python {platform.python_version()};"
        f" HEAD {head_commit(root)} plus the working tree"
    )


def fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def fmt_gap(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.3f} %"


def run_in_own_group(
    command: list[str], cwd: Path, timeout_s: float | None
) -> tuple[int | None, str, str, float]:
    """(exit code, or None after a timeout; stdout; stderr; wall seconds). The child gets its
    own process group, so a timeout also ends the worker processes it started."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        stdout, stderr = child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        stdout, stderr = child.communicate()
        return None, stdout, stderr, time.perf_counter() - started
    return child.returncode, stdout, stderr, time.perf_counter() - started
