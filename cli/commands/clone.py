"""``tvc clone URL DIR [--all]``: a new repository whose DVC default remote ``origin`` is URL."""

from __future__ import annotations

from pathlib import Path

import click

from cli.app import App, pass_app
from cli.commands._transfer import jobs_option, json_option, quiet_option, show
from store.api import Repo


@click.command()
@click.argument("url")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--all", "everything", is_flag=True, help="Download every version now, not on first use.")
@jobs_option
@json_option
@quiet_option
@pass_app
def clone(app: App, url: str, directory: Path, everything: bool, jobs: int, as_json: bool, quiet: bool) -> None:
    """Clone the store at URL (a DVC remote's URL, whose store is URL/tvc) into DIR.

    DIR gets a DVC configuration (no git) naming URL as the default remote 'origin',
    and the remote's branches and tags; objects come on first use, or now with --all.
    """
    with app.progress(quiet or as_json) as progress:
        repo, report = Repo.clone(url, directory, everything=everything, jobs=jobs, progress=progress)
    show("clone", report, as_json, quiet)
    if not (as_json or quiet):
        click.echo(f"Cloned into {repo.root}; 'tvc checkout NAME' writes a model there")
