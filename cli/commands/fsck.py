"""``tvc fsck``: verify every object and name the versions damage breaks; exit 1 on any problem."""

from __future__ import annotations

from pathlib import Path

import click

from cli.app import App, pass_app
from cli.output import print_json, short
from store.remotes import check_remote, connect
from store.versioning import FsckReport

OBJECT_ID = 16  # hex digits of a damaged object's id: enough to find its file under .tvc/objects


def problem_lines(report: FsckReport) -> list[str]:
    lines = [f"corrupt object {oid[:OBJECT_ID]}: {why}" for oid, why in sorted(report.corrupt.items())]
    lines += [f"missing object {oid[:OBJECT_ID]}" for oid in report.missing]
    lines += [f"broken version {model}@{short(commit)}: cannot be rebuilt" for model, commit in report.broken]
    lines += [f"bad ref: {ref.reason}" for ref in report.bad_refs]
    return lines


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (exit code as without it).")
@click.option("-r", "--remote", default=None, metavar="REMOTE", help="Check this remote store (URL or DVC remote name) instead.")
@pass_app
@click.pass_context
def fsck(ctx: click.Context, app: App, as_json: bool, remote: str | None) -> None:
    """Check every object's hash and every version's completeness."""
    report = app.repo.fsck() if remote is None else check_remote(connect(remote, Path.cwd()))
    problems = problem_lines(report)
    if as_json:
        print_json(report.to_dict())
    elif report.ok:
        click.echo(f"fsck: ok ({report.checked} objects verified)")
    else:
        click.echo("\n".join([*problems, f"fsck: {len(problems)} problems"]))
    if not report.ok:
        ctx.exit(1)
