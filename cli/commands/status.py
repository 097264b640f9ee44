"""``tvc status``: do tracked files still hold the versions their pointers name?"""

from __future__ import annotations

from dataclasses import asdict

import click

from cli.app import App, pass_app
from cli.output import print_json


@click.command()
@click.option("--json", "as_json", is_flag=True, help="List every tracked path and its state as JSON.")
@pass_app
def status(app: App, as_json: bool) -> None:
    """Show tracked paths that were modified or deleted since their last commit or checkout."""
    entries = app.repo.status()
    if as_json:
        print_json([asdict(e) for e in entries])
        return
    dirty = [e for e in entries if e.state != "clean"]
    if dirty:
        click.echo("\n".join(f"{e.state}: {e.path}" for e in dirty))
    elif entries:
        click.echo("All tracked models match their pointers.")
    else:
        click.echo("No tracked models (no *.tvc pointer files).")
