"""Worker processes that solve pools side by side, started before they are needed.

Fork while this process has not run HiGHS: the child starts at once with everything
imported. Once HiGHS has run here, spawn: a forked child would inherit HiGHS' thread
scheduler without its threads (HiGHS then refuses another thread count or waits forever).
A spawned worker must import numpy, SciPy, Pyomo and HiGHS before its first solve (1.5-3 s
on this kind of machine, as long as a small pool's solve), so workers start when an
operation begins: those imports run while the parent prepares the data, and one set of
workers serves every solve of the operation (a CO2e target prices the pools many times).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor

PR_SET_PDEATHSIG = 1
WATCHDOG_INTERVAL_S = 0.5


def start_method() -> str:
    from app.engine.highs_direct import highs_has_run

    if highs_has_run() or "fork" not in multiprocessing.get_all_start_methods():
        return "spawn"
    return "fork"


def die_with_parent(parent_pid: int | None = None) -> None:
    """Make this process end when its parent does (a killed RQ work-horse or worker must
    not leave solver processes behind, 200+ MB each, solving for no one).

    Linux: the kernel sends SIGKILL when the parent dies (PR_SET_PDEATHSIG). Everywhere,
    also a watchdog thread that exits once the parent is gone (the kernel's signal is tied
    to the parent *thread*; the watchdog covers a pool started from a thread that ended).
    `parent_pid`: the expected parent; if it is already gone, exit at once."""
    parent = parent_pid if parent_pid is not None else os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_INTERVAL_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _warm_up(parent_pid: int | None = None) -> None:
    die_with_parent(parent_pid)
    import app.engine.operations  # noqa: F401  (the solver stack, imported once per worker)


def _ready() -> bool:
    return True


class Workers:
    """A process pool for one operation; close() (or a with-block) ends it."""

    def __init__(self, count: int):
        self.count = count
        self.start_method = start_method()
        context = multiprocessing.get_context(self.start_method)
        self.executor = ProcessPoolExecutor(
            max_workers=count,
            mp_context=context,
            initializer=_warm_up,
            initargs=(os.getpid(),),
        )
        # submitting starts the processes now (the executor otherwise spawns lazily)
        self._started = [self.executor.submit(_ready) for _ in range(count)]
        self.broken = False

    def submit(self, fn, *args) -> Future:
        return self.executor.submit(fn, *args)

    def kill(self) -> None:
        """Stop at once (cancel, error, end): terminate only our own worker processes, then
        wait for the executor's threads to notice. Workers forked later must not be forked
        while those threads run (a child could inherit a lock one of them holds)."""
        self.broken = True
        for process in list(getattr(self.executor, "_processes", {}).values()):
            process.terminate()
        self.executor.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """End the workers now. They are idle (every result is in), so they are stopped
        rather than asked to exit: one holding a solved model takes a few tenths of a second
        to free it, and a caller that ends with os._exit (an RQ work-horse) would leave
        workers that were only asked waiting for work forever."""
        if not self.broken:
            self.kill()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def wanted(threads: int, locations: int, trips: int, min_trips: int) -> int:
    """How many workers an operation should start: one per pool it can run at once, and only
    for data big enough to pay for the processes (and not inside a daemon process, which
    may not have children)."""
    if multiprocessing.current_process().daemon:
        return 0
    count = min(threads, locations)
    return count if count >= 2 and trips >= min_trips else 0
