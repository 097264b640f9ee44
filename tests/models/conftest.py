"""Fixtures for live-model tests: held-out data and a CLI runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from click.testing import CliRunner, Result

from cli.main import main

Tvc = Callable[..., Result]


@pytest.fixture
def tvc() -> Tvc:
    """Run ``tvc ARGS...`` in-process; checks the exit code (default 0)."""
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Result:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result

    return run


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@pytest.fixture(scope="session")
def tabular() -> Split:
    """3 classes, 12 features, held-out rows the models never saw."""
    from sklearn.datasets import make_classification

    x, y = make_classification(800, 12, n_informative=6, n_classes=3, random_state=0)
    return Split(x[:600], y[:600], x[600:], y[600:])
