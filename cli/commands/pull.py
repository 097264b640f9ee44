"""``tvc pull [-r REMOTE] [PATH|NAME[@REV]...]``: fetch what the pointer files name, merge branches, check out."""

from __future__ import annotations

from pathlib import Path

import click

from cli.app import App, pass_app
from cli.commands._transfer import jobs_option, json_option, quiet_option, remote_option, show
from store.api import Repo, find_root
from store.errors import NotARepositoryError
from store.remotes import find_project


def _repo_for_pull(app: App) -> Repo:
    """The repository here; in a project fresh from ``git clone`` (only ``.dvc/`` and pointers), a new one."""
    try:
        find_root(Path.cwd())
    except NotARepositoryError:
        Repo.init(find_project(Path.cwd()) or Path.cwd())
    return app.repo


@click.command()
@click.argument("targets", nargs=-1, metavar="[PATH|NAME[@REV]]...")
@remote_option
@jobs_option
@json_option
@quiet_option
@pass_app
def pull(app: App, targets: tuple[str, ...], remote: str | None, jobs: int, as_json: bool, quiet: bool) -> None:
    """Bring tracked files (every pointer file, or those given) to the versions their pointers name.

    Fetches those versions and the remote's branches of their models; a branch that
    diverged gets a merge commit (keeping the local version), so the next push is a
    fast-forward. Older versions are fetched when first used.
    """
    repo = _repo_for_pull(app)
    with app.progress(quiet or as_json) as progress:
        report = repo.pull(targets, remote, jobs=jobs, progress=progress)
    show("pull", report, as_json, quiet)
