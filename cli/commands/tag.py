"""``tvc tag TAG NAME@REV``: give a version a lasting name."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.output import short


@click.command()
@click.argument("tag_name", metavar="TAG")
@click.argument("rev", metavar="NAME[@REV]")
@click.option("-f", "--force", is_flag=True, help="Move the tag if it already exists.")
@pass_app
def tag(app: App, tag_name: str, rev: str, force: bool) -> None:
    """Tag the version REV of model NAME as TAG."""
    tagged = app.repo.tag(tag_name, rev, force=force)
    click.echo(f"Tagged {tagged.name}@{short(tagged.commit)} as {tag_name}")
