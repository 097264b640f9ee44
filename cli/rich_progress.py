"""Progress bars on stderr with rich, implementing ``store.progress.Progress``.

Its own module so that commands which draw no bar never pay rich's import.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeRemainingColumn, TransferSpeedColumn


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
