"""``tvc init [DIR]``: create the ``.tvc/`` store."""

from __future__ import annotations

from pathlib import Path

import click

from store.api import CONTROL_DIR, Repo


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create an empty tvc store in DIR (default: here); safe to rerun."""
    existed = (directory / CONTROL_DIR / "config").is_file()
    repo = Repo.init(directory)
    what = "Reinitialized existing" if existed else "Initialized empty"
    click.echo(f"{what} tvc store in {repo.control}")
