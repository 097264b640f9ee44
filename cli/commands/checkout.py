"""``tvc checkout PATH | NAME@REV``: write a stored version back, byte-exact, or export an object."""

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
@click.option(
    "--trust",
    "trusted",
    multiple=True,
    metavar="NAME",
    help="Allow this type (module.Name) when loading a Python object to export it (repeatable).",
)
@pass_app
def checkout(app: App, target: str, out: Path | None, force: bool, quiet: bool, trusted: tuple[str, ...]) -> None:
    """Restore the version a pointer file (PATH.tvc) or NAME@REV names.

    A Python object version (committed with repo.commit(model, NAME)) is exported
    with -o to the format the file's suffix names: model.joblib or model.pkl
    (scikit-learn), model.keras (Keras), weights.npz (arrays), weights.safetensors
    (any); loading it on the way refuses types outside the allow-list unless trusted.
    """
    with app.progress(quiet) as progress:
        done = app.repo.checkout(target, out, force=force, progress=progress, trusted=trusted)
    if not quiet:
        click.echo(f"Checked out {done.name}@{short(done.commit)} to {display_path(done.path)}")
