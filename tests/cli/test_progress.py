"""Progress bars: drawn only for a terminal, and they never leave the terminal in a bad state."""

from __future__ import annotations

import io
import sys

import pytest

from rich.console import Console

from cli.progress import progress_for
from cli.rich_progress import RichProgress
from store.progress import NO_PROGRESS


def test_rich_progress_draws_and_closes() -> None:
    buffer = io.StringIO()
    bars = RichProgress(Console(file=buffer, force_terminal=True, width=80))
    bars.begin("models/w.npy", 100)
    bars.advance(60)
    bars.begin("second", None)  # a begin without end closes the previous bar
    bars.advance(5)
    bars.end()
    bars.end()
    bars.close()
    bars.close()
    assert "models/w.npy" in buffer.getvalue()


def test_no_bars_when_stderr_is_not_a_terminal_or_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress_for(quiet=False) as progress:
        assert progress is NO_PROGRESS
    with progress_for(quiet=True) as progress:
        assert progress is NO_PROGRESS
