"""The demo-data job: the same service as `flask demo-data`, with a progress bar."""

from datetime import date

from app.demo.service import DemoDataExists, load_demo_data
from app.jobs.registry import job_handler
from app.jobs.runner import JobFailed


@job_handler("demo_data", "Indlæs demodata")
def demo_data_job(job, ctx) -> dict:
    end = date.fromisoformat(job.params["end"]) if job.params.get("end") else None
    try:
        return load_demo_data(
            seed=int(job.params.get("seed", 2026)), end=end, user=job.user, progress=ctx.progress
        )
    except DemoDataExists as error:
        raise JobFailed(str(error)) from error
