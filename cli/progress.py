"""Progress bars on stderr, implementing ``store.progress.Progress`` (the store never imports rich)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from store.progress import NO_PROGRESS
from store.progress import Progress as ProgressProtocol


class RichProgress:
    """One transient bar per ``begin``/``end`` pair, drawn on stderr."""

    def __init__(self, console: Console | None = None) -> None:
        self._bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=True,
        )
        self._task: TaskID | None = None
        self._started = False

    def begin(self, label: str, total: int | None) -> None:
        if not self._started:
            self._bars.start()
            self._started = True
        self.end()
        self._task = self._bars.add_task(label, total=total)

    def advance(self, amount: int) -> None:
        if self._task is not None:
            self._bars.advance(self._task, amount)

    def end(self) -> None:
        if self._task is not None:
            self._bars.remove_task(self._task)
            self._task = None

    def close(self) -> None:
        """Stop drawing; safe to call twice and after an exception mid-bar."""
        self.end()
        if self._started:
            self._bars.stop()
            self._started = False


def wanted(quiet: bool) -> bool:
    """Bars only for a person watching: stderr is a terminal and output is not quiet or JSON."""
    return not quiet and sys.stderr.isatty()


@contextmanager
def progress_for(quiet: bool) -> Iterator[ProgressProtocol]:
    """A progress callback for one command; the terminal is restored however it ends."""
    if not wanted(quiet):
        yield NO_PROGRESS
        return
    bars = RichProgress()
    try:
        yield bars
    finally:
        bars.close()
