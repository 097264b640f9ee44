"""Trained weights compress: float32 by at least 12%, bfloat16 by at least 25% (byte grouping + zstd)."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from synthetic import classification_data


@pytest.fixture(scope="module")
def trained_weights() -> dict[str, np.ndarray]:
    import keras

    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [keras.Input((32,)), keras.layers.Dense(1024, activation="relu", name="a"),
         keras.layers.Dense(1024, activation="relu", name="b"), keras.layers.Dense(4, name="head")]
    )
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(*classification_data(0), epochs=1, batch_size=64, verbose=0)
    return {v.path: v.numpy() for v in model.weights}


def stored_ratio(repo, tmp_path, arrays: dict[str, np.ndarray], filename: str) -> float:
    from safetensors.numpy import save_file

    path = tmp_path / filename
    save_file(arrays, str(path))
    commit = repo.commit(path)
    stored = sum(repo.db.stored_size(oid) for oid in repo.manifest(commit.id).chunk_ids())
    raw = sum(a.nbytes for a in arrays.values())
    return stored / raw


def test_trained_float32_weights_shrink_by_12_percent(repo, tmp_path, trained_weights):
    ratio = stored_ratio(repo, tmp_path, trained_weights, "f32.safetensors")
    print(f"float32 stored/raw = {ratio:.3f}")
    assert ratio <= 0.88


def test_the_same_weights_in_bfloat16_shrink_by_25_percent(repo, tmp_path, trained_weights):
    bf16 = {k: v.astype(ml_dtypes.bfloat16) for k, v in trained_weights.items()}
    ratio = stored_ratio(repo, tmp_path, bf16, "bf16.safetensors")
    print(f"bfloat16 stored/raw = {ratio:.3f}")
    assert ratio <= 0.75
