"""Fixtures for live-model tests: held-out data and a CLI runner."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

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
