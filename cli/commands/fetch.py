"""``tvc fetch [-r REMOTE] [NAME...]``: the remote's refs and every version they reach, without touching ours."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.commands._transfer import jobs_option, json_option, quiet_option, remote_option, show


@click.command()
@click.argument("models", nargs=-1, metavar="[NAME]...")
@remote_option
@jobs_option
@json_option
@quiet_option
@pass_app
def fetch(app: App, models: tuple[str, ...], remote: str | None, jobs: int, as_json: bool, quiet: bool) -> None:
    """Download the remote's branches and tags (of NAMEs, or all) as remote-tracking refs, with their objects."""
    with app.progress(quiet or as_json) as progress:
        report = app.repo.fetch(models, remote, jobs=jobs, progress=progress)
    show("fetch", report, as_json, quiet)
