"""``tvc checkout NAME@REV -o FILE``: standard files the frameworks' own loaders open."""

from __future__ import annotations

import pickle
from pathlib import Path

import joblib
import numpy as np
import pytest
from safetensors.numpy import load_file
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


@pytest.fixture
def classifier(repo, tabular):
    model = make_pipeline(StandardScaler(), SVC()).fit(tabular.x_train, tabular.y_train)
    repo.commit(model, "clf", tag="v1")
    return model


@pytest.mark.parametrize("suffix", [".joblib", ".pkl"])
def test_scikit_learn_exports_for_joblib_and_pickle(repo, tvc, tabular, classifier, suffix):
    out = Path(f"model{suffix}")
    assert "Checked out clf@" in tvc("checkout", "clf@v1", "-o", str(out)).stdout
    loaded = joblib.load(out) if suffix == ".joblib" else pickle.loads(out.read_bytes())
    np.testing.assert_array_equal(loaded.predict(tabular.x_test), classifier.predict(tabular.x_test))
    assert not list(Path.cwd().glob(".model*tvc-tmp*"))


def test_keras_exports_for_load_model_and_safetensors(repo, tvc):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, name="hidden"), keras.layers.Dense(2, name="head")])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((32, 6), "float32"), np.zeros((32, 2), "float32"), epochs=1, verbose=0)
    repo.commit(model, "net")

    tvc("checkout", "net", "-o", "model.keras")
    x = np.random.default_rng(0).standard_normal((4, 6)).astype("float32")
    np.testing.assert_array_equal(keras.models.load_model("model.keras").predict(x, verbose=0), model.predict(x, verbose=0))

    tvc("checkout", "net", "-o", "weights.safetensors")
    tensors = load_file("weights.safetensors")
    np.testing.assert_array_equal(tensors["hidden/kernel"], model.get_layer("hidden").kernel.numpy())
    assert "adam/hidden_kernel_momentum" in tensors


def test_arrays_export_to_safetensors_and_npz(repo, tvc):
    arrays = {"a/weight": np.arange(12, dtype="float32").reshape(3, 4), "b": np.asfortranarray(np.eye(3, 5))}
    repo.commit(arrays, "weights")
    tvc("checkout", "weights", "-o", "w.safetensors")
    tvc("checkout", "weights", "-o", "w.npz")
    for loaded in (load_file("w.safetensors"), dict(np.load("w.npz"))):
        assert loaded.keys() == arrays.keys()
        for name in arrays:
            np.testing.assert_array_equal(loaded[name], arrays[name])


def test_export_errors_are_one_line(repo, tvc, tabular, classifier):
    forest = RandomForestClassifier(3, random_state=0).fit(tabular.x_train, tabular.y_train)
    repo.commit(forest, "rf")
    cases = [
        (("checkout", "rf", "-o", "trees.safetensors"), "safetensors cannot hold"),
        (("checkout", "clf", "-o", "model.keras"), "exports to .joblib, .pkl, .pickle, .safetensors"),
        (("checkout", "clf"), "is a Python object, not a file"),
    ]
    Path("taken.joblib").write_text("mine")
    cases.append((("checkout", "clf", "-o", "taken.joblib"), "exists and would be overwritten"))
    for args, message in cases:
        lines = tvc(*args, code=1).stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("tvc: error: ") and message in lines[0], (args, lines)
    assert Path("taken.joblib").read_text() == "mine"
    assert not Path("trees.safetensors").exists()
    tvc("checkout", "clf", "-o", "taken.joblib", "--force")
    assert joblib.load("taken.joblib").predict(tabular.x_test[:3]).shape == (3,)
