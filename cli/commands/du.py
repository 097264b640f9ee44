"""``tvc du``: how much the store holds, and how much deduplication and compression save."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.output import human_bytes, print_json, ratio


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@pass_app
def du(app: App, as_json: bool) -> None:
    """Report logical, unique and stored bytes of every version in the store."""
    report = app.repo.du()
    if as_json:
        print_json(report.to_dict())
        return
    rows = [
        ("logical", f"{human_bytes(report.logical_bytes)}  (every version, as files)"),
        ("unique", f"{human_bytes(report.unique_bytes)}  (distinct chunks, uncompressed)"),
        ("stored", f"{human_bytes(report.stored_bytes)}  (on disk)"),
        ("dedup", ratio(report.dedup_ratio)),
        ("compression", ratio(report.compression_ratio)),
        ("objects", str(report.objects)),
        ("versions", str(report.versions)),
    ]
    width = max(len(key) for key, _ in rows)
    click.echo("\n".join(f"{key.ljust(width)}  {value}" for key, value in rows))
