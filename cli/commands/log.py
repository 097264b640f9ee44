"""``tvc log [NAME[@REV]]``: a model's history, newest first, or every model's."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.output import print_json
from cli.render import commit_dict, commit_lines
from store.api import LogEntry, Repo


def _all_branches(repo: Repo, model: str) -> list[LogEntry]:
    """History of every branch of ``model``, each commit once, newest first."""
    seen: dict[str, LogEntry] = {}
    for branch in sorted(repo.branch(model)):
        for entry in repo.log(f"{model}@{branch}"):
            seen.setdefault(entry.id, entry)
    return sorted(seen.values(), key=lambda e: (-e.commit.time, e.id))


@click.command()
@click.argument("name", required=False)
@click.option("-n", "--max-count", "limit", type=click.IntRange(min=0), default=None, help="Show at most N versions per model.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of commits.")
@pass_app
def log(app: App, name: str | None, limit: int | None, as_json: bool) -> None:
    """Show the history of NAME[@REV]; without NAME, every branch of every model."""
    repo = app.repo
    if name is not None:
        histories = {name: repo.log(name)}
    else:
        histories = {model: _all_branches(repo, model) for model in repo.models()}
    histories = {model: entries[:limit] for model, entries in histories.items()}
    if as_json:
        print_json([commit_dict(e.id, e.commit, e.labels) for entries in histories.values() for e in entries])
        return
    lines: list[str] = []
    for model, entries in histories.items():
        if name is None:
            lines.append(f"== {model} ==")
        for entry in entries:
            lines.extend(commit_lines(entry.id, entry.commit, entry.labels))
            lines.append("")
    if lines:
        click.echo("\n".join(lines).rstrip("\n"))
    elif name is None:
        click.echo("No models committed yet.")
