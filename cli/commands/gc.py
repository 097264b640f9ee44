"""``tvc gc``: delete objects no branch or tag can reach (older than the grace period)."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.output import human_bytes, print_json


@click.command()
@click.option("-n", "--dry-run", is_flag=True, help="Only report what would be removed.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def gc(app: App, dry_run: bool, as_json: bool) -> None:
    """Reclaim space from versions and partial writes nothing refers to."""
    report = app.repo.gc(dry_run=dry_run)
    if as_json:
        print_json(report.to_dict())
        return
    verb = "Would remove" if dry_run else "Removed"
    objects = "object" if len(report.removed) == 1 else "objects"
    line = f"{verb} {len(report.removed)} {objects} ({human_bytes(report.removed_bytes)}); {report.kept} kept"
    if report.tmp_removed:
        line += f"; {len(report.tmp_removed)} stale temporary files"
    click.echo(line)
    if report.missing:
        click.echo(f"tvc: warning: {len(report.missing)} reachable objects are missing; run 'tvc fsck'", err=True)
