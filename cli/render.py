"""How a commit reads, as JSON and as text; shared by ``log`` and ``show``."""

from __future__ import annotations

from typing import Any

from cli.output import format_pairs, local_time, short
from store.versioning import Commit


def commit_dict(oid: str, commit: Commit, labels: list[str]) -> dict[str, Any]:
    """The JSON form of a commit: full ids, raw unix time, everything recorded."""
    return {
        "id": oid,
        "name": commit.name,
        "parents": list(commit.parents),
        "message": commit.message,
        "author": commit.author,
        "time": commit.time,
        "params": commit.params,
        "metrics": commit.metrics,
        "environment": commit.environment,
        "manifest": commit.manifest,
        "labels": list(labels),
    }


def label_suffix(labels: list[str]) -> str:
    return f" ({', '.join(labels)})" if labels else ""


def commit_lines(oid: str, commit: Commit, labels: list[str]) -> list[str]:
    """One log entry: id, labels, date, author; then message; then params and metrics."""
    lines = [f"{short(oid)}{label_suffix(labels)}  {local_time(commit.time)}  {commit.author}"]
    lines.append(f"    {commit.message}" if commit.message else "    (no message)")
    extras = []
    if commit.params:
        extras.append(f"p: {format_pairs(commit.params)}")
    if commit.metrics:
        extras.append(f"m: {format_pairs(commit.metrics)}")
    if extras:
        lines.append("    " + "  ".join(extras))
    return lines
