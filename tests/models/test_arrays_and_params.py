"""Dicts of arrays, the {'model': ..., 'parameters': ...} pattern, and what commit refuses."""

from __future__ import annotations

import json

import ml_dtypes
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from store.errors import InvalidNameError, StoreError, UnsupportedObjectError


def weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "embed/weight": rng.standard_normal((300, 64)).astype("float32"),
        "embed/bf16": rng.standard_normal((16, 8)).astype(ml_dtypes.bfloat16),
        "head/bias": np.arange(7, dtype="int8"),
        "mask": rng.random((5, 5)) > 0.5,
        "step": np.array(42, dtype="int64"),
        "columns": np.asfortranarray(rng.standard_normal((20, 30))),
    }


def test_dict_of_arrays_round_trips_exactly_in_order(repo):
    arrays = weights()
    repo.commit(arrays, "weights")
    loaded = repo.load("weights")
    assert list(loaded) == list(arrays)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype and loaded[name].shape == array.shape
        assert loaded[name].tobytes(order="A") == array.tobytes(order="A")
    assert loaded["columns"].flags.f_contiguous
    np.testing.assert_array_equal(repo.open("weights").tensors["columns"].read(), arrays["columns"])
    np.testing.assert_array_equal(repo.open("weights").tensors["embed/weight"][5:9], arrays["embed/weight"][5:9])


def test_only_reads_the_named_arrays(repo):
    repo.commit(weights(), "weights")
    repo.db.objects_read = 0
    some = repo.load("weights", only=["step", "head/bias"])
    assert list(some) == ["head/bias", "step"] and int(some["step"]) == 42
    assert repo.db.objects_read <= 3  # commit, manifest, the one group chunk holding both
    with pytest.raises(StoreError, match="no array 'nope'"):
        repo.load("weights", only=["nope"])


def test_parameters_pattern_puts_params_and_metrics_in_the_commit(repo, tvc, tabular):
    model = LogisticRegression(C=0.5, max_iter=1000).fit(tabular.x_train, tabular.y_train)
    params = {"C": 0.5, "features": np.int64(12), "classes": np.array([0, 1, 2])}
    repo.commit({"model": model, "parameters": params, "metrics": {"accuracy": np.float64(0.875)}}, "clf", message="pattern")

    entry = repo.log("clf")[0]
    assert entry.commit.params == {"C": 0.5, "features": 12, "classes": [0, 1, 2]}
    assert entry.commit.metrics == {"accuracy": 0.875}
    assert "C=0.5" in tvc("log", "clf").stdout and "accuracy=0.875" in tvc("log", "clf").stdout
    loaded = repo.load("clf")
    np.testing.assert_array_equal(loaded.predict(tabular.x_test), model.predict(tabular.x_test))

    refit = LogisticRegression(C=0.25, max_iter=1000).fit(tabular.x_train, tabular.y_train)
    repo.commit({"model": refit, "params": {"C": 0.5}}, "clf", params={"C": 0.25, "note": "explicit wins"})
    listed = json.loads(tvc("log", "--json", "clf").stdout)[0]
    assert listed["params"] == {"C": 0.25, "note": "explicit wins"} and listed["metrics"] == {}


def test_what_cannot_be_committed_is_refused_clearly(repo, tabular):
    with pytest.raises(UnsupportedObjectError, match="cannot commit a builtins.object"):
        repo.commit(object(), "thing")
    with pytest.raises(UnsupportedObjectError, match="cannot commit a builtins.dict"):
        repo.commit({"a": np.array(["x", None], dtype=object)}, "objects")
    with pytest.raises(InvalidNameError, match="needs a name"):
        repo.commit(weights())
    with pytest.raises(InvalidNameError):
        repo.commit(weights(), "../escape")


def test_loading_a_file_commit_says_to_check_it_out(repo):
    (repo.root / "w.npy").write_bytes(b"")
    np.save(repo.root / "w.npy", np.arange(3))
    repo.commit(repo.root / "w.npy")
    with pytest.raises(UnsupportedObjectError, match="file commit, not a Python object"):
        repo.load("w.npy")
