"""Job kinds and the functions that do their work.

A handler is `handler(job: Job, ctx: JobContext) -> dict | None`; what it returns is
stored as the job's small result summary. Modules register their handlers on import
(`@job_handler("demo_data")`); `create_app` imports every blueprint, so the web process
and the worker know the same kinds.
"""

from __future__ import annotations

from collections.abc import Callable

HANDLERS: dict[str, Callable] = {}
KIND_LABELS: dict[str, str] = {}


def job_handler(kind: str, label: str) -> Callable:
    def decorate(func: Callable) -> Callable:
        HANDLERS[kind] = func
        KIND_LABELS[kind] = label
        return func

    return decorate
