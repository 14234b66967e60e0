"""`flask report build`: the same decision report as the web, from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.models import LOCAL_TZ, utcnow
from reports.builder import ReportError, ReportRequest, build_report

report_cli = AppGroup("report", help="Build decision reports (PDF).")


@report_cli.command("build")
@click.option("--scenario", "scenario_id", type=int, required=True, help="Recommended scenario.")
@click.option("--alternative", "alternative_ids", type=int, multiple=True, help="Repeatable.")
@click.option("--baseline/--no-baseline", default=True, help="Include today's fleet.")
@click.option("--title", default=None, help="Default: 'Flådeanalyse: <locations>'.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def build_command(scenario_id, alternative_ids, baseline, title, out: Path) -> None:
    """Write the PDF of a finished scenario (texts drafted automatically)."""
    from app.reports.service import branding, check_request, logo_path

    brand = branding()
    request = ReportRequest(
        scenario_id=scenario_id,
        alternative_ids=list(alternative_ids),
        include_baseline=baseline,
        title=title,
        organisation=brand["organisation"],
        department=brand["department"],
        logo_path=logo_path(),
        made_on=utcnow().astimezone(LOCAL_TZ).date(),
    )
    try:
        check_request(request)  # before anything is written: no half-made file
        built = build_report(request)
    except ReportError as error:
        raise click.ClickException(str(error)) from error
    out.write_bytes(built.pdf)
    click.echo(
        f"Rapport skrevet: {out} ({built.page_count} sider, {len(built.pdf) // 1024} kB, "
        f"{built.seconds:.1f} s)"
    )
