"""A diagnostic job: proves the queue and a worker run end to end (Administration > Job)."""

import contextlib
import time

from app.jobs.registry import job_handler
from app.jobs.runner import JobFailed


@job_handler("selftest", "Test af baggrundsjob")
def selftest_job(job, ctx) -> dict:
    steps = int(job.params.get("steps", 10))
    pause = float(job.params.get("pause_s", 0.3))
    pool = int(job.params.get("pool_workers", 0))
    fail_at = job.params.get("fail_at")
    ctx.release_db()  # like a long solve: no transaction held while it works
    with contextlib.ExitStack() as stack:
        if pool:
            # the engine's own pool processes, as a solve starts them (fault tests)
            from app.engine.workers import Workers

            stack.enter_context(Workers(pool))
        for step in range(1, steps + 1):
            time.sleep(pause)
            ctx.progress(100 * step / (steps + 1), f"Trin {step} af {steps}")
            if fail_at == step:
                raise JobFailed(f"Testjobbet fejlede med vilje ved trin {step}.")
    return {"trin": steps}
