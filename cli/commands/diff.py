"""``tvc diff A B``: which tensors (or files) changed between two versions, and what B cost."""

from __future__ import annotations

from typing import Any

import click

from cli.app import App, pass_app
from cli.output import dtype_label, human_bytes, print_json

LETTERS = {"added": "A", "removed": "D", "changed": "M"}


def _side(row: dict[str, Any], side: str) -> str:
    """"float32 (10, 4) 160 B" for a tensor, "160 B" for a file row."""
    dtype, shape = row.get(f"dtype_{side}"), row.get(f"shape_{side}")
    layout = f"{dtype_label(dtype)} {tuple(shape)} " if dtype is not None and shape is not None else ""
    return f"{layout}{human_bytes(row[f'bytes_{side}'])}"


def _sizes(row: dict[str, Any]) -> str:
    if row["status"] == "added":
        return _side(row, "b")
    if row["status"] == "removed":
        return _side(row, "a")
    if (row.get("dtype_a"), row.get("shape_a")) == (row.get("dtype_b"), row.get("shape_b")):
        return f"{human_bytes(row['bytes_a'])} -> {human_bytes(row['bytes_b'])}"
    return f"{_side(row, 'a')} -> {_side(row, 'b')}"


def diff_lines(report: dict[str, Any]) -> list[str]:
    """One line per tensor or file that is not unchanged, then the totals."""
    lines = []
    for row in (*report.get("tensors", []), *report.get("files", [])):
        letter = LETTERS.get(row["status"])
        if letter is not None:
            lines.append(f"{letter}  {row.get('name', row.get('path'))}  {_sizes(row)}")
    s = report["summary"]
    lines.append(
        f"{s['changed']} changed, {s['added']} added, {s['removed']} removed, {s['unchanged']} unchanged; "
        f"{human_bytes(s['new_bytes'])} new bytes"
    )
    return lines


@click.command()
@click.argument("a", metavar="NAME@REV")
@click.argument("b", metavar="NAME@REV")
@click.option("--json", "as_json", is_flag=True, help="Print the full comparison as JSON.")
@pass_app
def diff(app: App, a: str, b: str, as_json: bool) -> None:
    """Compare two versions tensor by tensor, from their manifests only."""
    report = app.repo.diff(a, b)
    if as_json:
        print_json(report)
    else:
        click.echo("\n".join(diff_lines(report)))
