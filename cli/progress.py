"""Which progress reporter a command gets: rich bars for a person at a terminal, else none."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from store.progress import NO_PROGRESS
from store.progress import Progress as ProgressProtocol


def wanted(quiet: bool) -> bool:
    """Bars only for a person watching: stderr is a terminal and output is not quiet or JSON."""
    return not quiet and sys.stderr.isatty()


@contextmanager
def progress_for(quiet: bool) -> Iterator[ProgressProtocol]:
    """A progress callback for one command; the terminal is restored however it ends."""
    if not wanted(quiet):
        yield NO_PROGRESS
        return
    from cli.rich_progress import RichProgress  # rich costs ~0.1 s to import: only when drawing

    bars = RichProgress()
    try:
        yield bars
    finally:
        bars.close()
