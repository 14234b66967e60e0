"""`flask import trips|gps|vehicles|locations FILE [--dry-run]` for nightly loads."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

import_cli = AppGroup("import", help="Importér data fra en CSV- eller XLSX-fil.")


def _command(kind: str, help_text: str):
    @import_cli.command(kind, help=help_text)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Vis kun forhåndsvisningen; gem intet.")
    def command(file: Path, dry_run: bool) -> None:
        from app.data.service import run_import

        report = run_import(kind, file, file.name, apply=not dry_run, keep_all_errors=True)
        for line in report.summary_lines():
            click.echo(line)
        if not report.ok:
            click.echo(f"Intet er gemt: filen har {report.error_count} fejl.", err=True)
            raise SystemExit(1)
        if dry_run:
            click.echo("Prøvekørsel: intet er gemt.")
        else:
            click.echo(f"Gemt som import nr. {report.batch_id}.")

    return command


_command("trips", "Rundture (én række pr. rundtur).")
_command("gps", "GPS-log (én række pr. tur fra A til B).")
_command("vehicles", "Køretøjsregister (samme kolonner som eksporten).")
_command("locations", "Lokationer med radius og ekstra parkeringspladser.")
_command("models", "Modelkatalog (kandidatmodeller til scenarier).")


@click.command("retention")
@with_appcontext
def retention_command() -> None:
    """Slet rundture ældre end opbevaringsperioden (som det daglige job)."""
    from app.data.retention import apply_retention, retention_months

    deleted = apply_retention()
    click.echo(f"Slettede {deleted} rundture ældre end {retention_months()} måneder.")
