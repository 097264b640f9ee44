"""``tvc push [-r REMOTE] [NAME[@REF]...]``: send branches, tags and the objects the remote lacks."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.commands._transfer import jobs_option, json_option, quiet_option, remote_option, show


@click.command()
@click.argument("targets", nargs=-1, metavar="[NAME[@REF]]...")
@remote_option
@jobs_option
@click.option("-f", "--force", is_flag=True, help="Move remote refs even where that drops commits only the remote has.")
@json_option
@quiet_option
@pass_app
def push(app: App, targets: tuple[str, ...], remote: str | None, jobs: int, force: bool, as_json: bool, quiet: bool) -> None:
    """Push every branch and tag (or a model's, or one NAME@REF) and the versions they need."""
    with app.progress(quiet or as_json) as progress:
        report = app.repo.push(targets, remote, jobs=jobs, force=force, progress=progress)
    show("push", report, as_json, quiet)
