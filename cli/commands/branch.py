"""``tvc branch NAME [BRANCH [REV]]``: list a model's branches, or start a new one."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.output import print_json, short, table


@click.command()
@click.argument("name")
@click.argument("new_branch", metavar="[BRANCH", required=False)
@click.argument("rev", metavar="[REV]]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print {branch: commit id} as JSON.")
@pass_app
def branch(app: App, name: str, new_branch: str | None, rev: str | None, as_json: bool) -> None:
    """List NAME's branches; with BRANCH, create it at REV (default: main's head)."""
    branches = app.repo.branch(name, new_branch, rev)
    if as_json:
        print_json(branches)
    elif new_branch is not None:
        click.echo(f"Created branch {new_branch} of {name} at {short(branches[new_branch])}")
    else:
        click.echo("\n".join(table(("branch", "commit"), [(b, short(c)) for b, c in sorted(branches.items())])))
