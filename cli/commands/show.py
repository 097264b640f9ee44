"""``tvc show NAME[@REV]``: one version in full: its commit and what its manifest holds."""

from __future__ import annotations

from typing import Any

import click

from cli.app import App, pass_app
from cli.output import dtype_label, format_pairs, human_bytes, local_time, print_json, short, table
from cli.render import commit_dict, label_suffix
from store.objects import Manifest
from store.versioning import Commit

MAX_ROWS = 50  # text tables stop here; --json always lists everything


def _tensors(manifest: Manifest) -> list[dict[str, Any]]:
    return [
        {"name": name, "path": entry.path, "dtype": rec.dtype, "shape": list(rec.shape), "nbytes": rec.nbytes, "offset": rec.offset, "hash": rec.hash}
        for name, (entry, rec) in sorted(manifest.tensors().items())
    ]


def _files(manifest: Manifest) -> list[dict[str, Any]]:
    return [
        {"path": e.path, "size": e.size, "hash": e.hash, "format": e.format, "mode": e.mode, "chunks": len(e.chunks), "tensors": len(e.tensors)}
        for e in manifest.entries
    ]


def show_dict(oid: str, commit: Commit, labels: list[str], manifest: Manifest) -> dict[str, Any]:
    return {
        **commit_dict(oid, commit, labels),
        "type": manifest.type,
        "size": manifest.size,
        "chunks": len(manifest.chunk_ids()),
        "files": _files(manifest),
        "tensors": _tensors(manifest),
        "structure": manifest.structure,
    }


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _truncated(lines: list[str], total: int) -> list[str]:
    """Header plus at most MAX_ROWS rows, then how many were left out."""
    if total > MAX_ROWS:
        return [*lines, f"... {total - MAX_ROWS} more"]
    return lines


def _text(info: dict[str, Any]) -> list[str]:
    fields = [
        ("commit", f"{short(info['id'])}{label_suffix(info['labels'])}"),
        ("model", info["name"]),
        ("parents", " ".join(short(p) for p in info["parents"]) or "(none)"),
        ("date", local_time(info["time"])),
        ("author", info["author"]),
        ("message", info["message"] or "(no message)"),
    ]
    for key in ("params", "metrics", "environment"):
        if info[key]:
            fields.append((key, format_pairs(info[key])))
    files, tensors = info["files"], info["tensors"]
    summary = f"{short(info['manifest'])}  {info['type']}, {human_bytes(info['size'])}, {_count(len(files), 'entry', 'entries')}, {_count(info['chunks'], 'chunk', 'chunks')}"
    fields.append(("manifest", summary))
    width = max(len(key) for key, _ in fields)
    lines = [f"{key.ljust(width)}  {value}" for key, value in fields]
    if info["type"] == "folder":
        rows = [(f["path"], f["format"], human_bytes(f["size"])) for f in files[:MAX_ROWS]]
        lines += ["", f"files ({len(files)}):", *_truncated(table(("path", "format", "size"), rows, right=(2,)), len(files))]
    if tensors:
        rows = [(t["name"], dtype_label(t["dtype"]), str(tuple(t["shape"])), human_bytes(t["nbytes"])) for t in tensors[:MAX_ROWS]]
        lines += ["", f"tensors ({len(tensors)}):", *_truncated(table(("name", "dtype", "shape", "bytes"), rows, right=(3,)), len(tensors))]
    return lines


@click.command()
@click.argument("rev", metavar="NAME[@REV]")
@click.option("--json", "as_json", is_flag=True, help="Print everything, with every tensor, as JSON.")
@pass_app
def show(app: App, rev: str, as_json: bool) -> None:
    """Show a version: its commit, size, chunks and tensors."""
    resolved, commit, manifest = app.repo.show(rev)
    labels = app.repo.labels(resolved.name).get(resolved.commit, [])
    info = show_dict(resolved.commit, commit, labels, manifest)
    if as_json:
        print_json(info)
    else:
        click.echo("\n".join(_text(info)))
