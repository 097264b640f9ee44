"""``tvc remote add NAME URL [-d]`` / ``tvc remote list``: remotes live in DVC's configuration."""

from __future__ import annotations

from pathlib import Path

import click

from cli.output import print_json, table
from store.api import find_root
from store.errors import NotARepositoryError
from store.remotes import add_remote, find_project, list_remotes


def _project_folder() -> Path:
    """Where a new remote is written: the DVC project around us, else the tvc repository, else here."""
    found = find_project(Path.cwd())
    if found is not None:
        return found
    try:
        return find_root(Path.cwd())
    except NotARepositoryError:
        return Path.cwd()


@click.group()
def remote() -> None:
    """Remotes, read from and written to DVC's configuration (.dvc/config)."""


@remote.command("add")
@click.argument("name")
@click.argument("url")
@click.option("-d", "--default", "make_default", is_flag=True, help="Make it the default remote.")
def add(name: str, url: str, make_default: bool) -> None:
    """Add remote NAME at URL (tvc's store will be URL/tvc), as 'dvc remote add' does."""
    config = add_remote(_project_folder(), name, url, make_default)
    click.echo(f"Added remote '{name}' to {config}" + (" as the default" if make_default else ""))


@remote.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the remotes as JSON.")
def list_(as_json: bool) -> None:
    """Each DVC remote with the store root tvc uses there."""
    found = list_remotes(Path.cwd())
    if as_json:
        print_json([{"name": r.name, "url": r.url, "store": root, "default": r.is_default} for r, root in found])
        return
    rows = [(r.name + (" (default)" if r.is_default else ""), root) for r, root in found]
    if rows:
        click.echo("\n".join(table(("REMOTE", "STORE ROOT"), rows)))
