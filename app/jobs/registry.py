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


# Called when a job of the kind ends failed or cancelled (by its runner, by the reaper,
# or because it could not be queued): `hook(params, status, message)` puts the rows the
# job was working on (a scenario run, a report) into a final state in the caller's
# transaction, so they never stay "queued" or "running".
END_HOOKS: dict[str, Callable] = {}


def on_job_ended(kind: str) -> Callable:
    def decorate(func: Callable) -> Callable:
        END_HOOKS[kind] = func
        return func

    return decorate


def run_end_hook(kind: str, params: dict | None, status: str, message: str | None) -> None:
    hook = END_HOOKS.get(kind)
    if hook is not None:
        hook(params or {}, status, message)
