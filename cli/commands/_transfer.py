"""Options and output shared by push, fetch, pull and clone: one summary line, or JSON."""

from __future__ import annotations

import click

from cli.output import human_bytes, print_json
from store.transfer import DEFAULT_JOBS, TransferReport

remote_option = click.option(
    "-r", "--remote", default=None, metavar="REMOTE", help="A URL (the store root) or a DVC remote name; default: DVC's default remote."
)
jobs_option = click.option(
    "-j", "--jobs", type=click.IntRange(1, 256), default=DEFAULT_JOBS, show_default=True, help="Objects in flight at once."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")

_MOVED = ("created", "fast-forward", "forced", "merged")


def summary(verb: str, report: TransferReport) -> str:
    """``push: 12 objects (3.4 MiB) sent, 40 skipped, 2 refs updated in 1.23 s (s3://bucket/tvc)``."""
    moved = sum(1 for ref in report.refs if ref.to_dict()["status"] in _MOVED)
    direction = "sent" if verb == "push" else "received"
    line = (
        f"{verb}: {report.objects_transferred} objects ({human_bytes(report.bytes_transferred)}) {direction}, "
        f"{report.objects_skipped} skipped, {moved} refs updated"
    )
    if report.checked_out:
        line += f", {len(report.checked_out)} checked out"
    return f"{line} in {report.seconds:.2f} s ({report.remote})"


def show(verb: str, report: TransferReport, as_json: bool, quiet: bool) -> None:
    if as_json:
        print_json(report.to_dict())
    elif not quiet:
        click.echo(summary(verb, report))
