"""Synthetic training data for the small Keras models the tests train."""

from __future__ import annotations

import numpy as np


def classification_data(seed: int, n: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """32 features, 4 classes that depend on two groups of features."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 32)).astype("float32")
    y = (x[:, :4].sum(axis=1) > 0).astype("int64") + 2 * (x[:, 4:8].sum(axis=1) > 0)
    return x, y
