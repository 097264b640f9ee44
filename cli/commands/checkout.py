"""``tvc checkout PATH | NAME@REV``: write a stored version back, byte-exact."""

from __future__ import annotations

import os
from pathlib import Path

import click

from cli.app import App, pass_app
from cli.output import short


def display_path(path: Path) -> str:
    """Relative to the working directory when below it, as a user typed it; else absolute."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return os.fspath(path)


@click.command()
@click.argument("target", metavar="PATH|NAME@REV")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None, help="Write here instead of the model's own path.")
@click.option("-f", "--force", is_flag=True, help="Overwrite local changes.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
@pass_app
def checkout(app: App, target: str, out: Path | None, force: bool, quiet: bool) -> None:
    """Restore the version a pointer file (PATH.tvc) or NAME@REV names."""
    with app.progress(quiet) as progress:
        done = app.repo.checkout(target, out, force=force, progress=progress)
    if not quiet:
        click.echo(f"Checked out {done.name}@{short(done.commit)} to {display_path(done.path)}")
