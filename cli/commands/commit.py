"""``tvc commit PATH``: store a new version of a file or folder and point PATH.tvc at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.app import App, pass_app
from cli.commands._params import parse_pairs
from cli.output import human_bytes, short
from store.api import DEFAULT_BRANCH


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-m", "--message", default="", help="Why this version exists.")
@click.option("-p", "--param", "params", multiple=True, callback=parse_pairs, metavar="KEY=VALUE", help="Training parameter (repeatable).")
@click.option("--metric", "metrics", multiple=True, callback=parse_pairs, metavar="KEY=VALUE", help="Evaluation metric (repeatable).")
@click.option("--tag", default=None, help="Also tag the resulting version.")
@click.option("--name", default=None, help="Model name (default: PATH relative to the repository).")
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True, help="Branch to advance.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the full commit id.")
@pass_app
def commit(
    app: App,
    path: Path,
    message: str,
    params: dict[str, Any],
    metrics: dict[str, Any],
    tag: str | None,
    name: str | None,
    branch: str,
    quiet: bool,
) -> None:
    """Record PATH as a new version; identical content just reports the current one."""
    with app.progress(quiet) as progress:
        result = app.repo.commit(
            path, name, message=message, params=params, metrics=metrics, tag=tag, branch=branch, progress=progress
        )
    if quiet:
        click.echo(result.id)
        return
    if result.created:
        chunks = "chunk" if result.new_objects == 1 else "chunks"
        click.echo(f"[{result.branch} {short(result.id)}] {result.name}: {result.new_objects} new {chunks}, {human_bytes(result.new_bytes)} stored")
    else:
        click.echo(f"{result.name} unchanged at {short(result.id)}")
        if message or params or metrics:
            click.echo("tvc: note: nothing new to record; message, params and metrics were not saved", err=True)
    if result.tag is not None:
        click.echo(f"Tagged {result.name}@{short(result.id)} as {result.tag}")
