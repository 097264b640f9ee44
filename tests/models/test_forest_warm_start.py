"""A warm-started forest: the new version stores its new trees and little else."""

from __future__ import annotations

import pickle

import numpy as np
import zstandard
from model_helpers import KiB, stored_bytes
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier


def out_of_band_zstd3(objects: list) -> int:
    """Sum of zstd level-3 sizes of the out-of-band buffers pickle protocol 5 gives for ``objects``."""
    buffers: list[pickle.PickleBuffer] = []
    pickle.dumps(objects, protocol=5, buffer_callback=buffers.append)
    compressor = zstandard.ZstdCompressor(level=3)
    return sum(len(compressor.compress(b.raw())) for b in buffers)


def test_warm_start_from_100_to_150_trees_stores_the_new_trees(repo):
    x, y = make_classification(3000, 20, n_informative=8, random_state=0)
    forest = RandomForestClassifier(100, warm_start=True, random_state=0, n_jobs=2).fit(x, y)
    repo.commit(forest, "rf", message="100 trees", tag="v1")
    before = stored_bytes(repo)

    forest.n_estimators = 150
    forest.fit(x, y)
    v2 = repo.commit(forest, "rf", message="150 trees", tag="v2")
    added = stored_bytes(repo) - before

    budget = out_of_band_zstd3(forest.estimators_[100:])
    print(f"v2 added {added} bytes; zstd-3 of the new trees' buffers: {budget}")
    assert v2.created
    assert added <= 1.1 * budget + 64 * KiB, (added, budget)

    tensors = repo.open("rf@v2").tensors
    for i, tree in enumerate(forest.estimators_):
        state = tree.tree_.__getstate__()
        assert tensors[f"estimators_/{i}/tree_/nodes"].shape == state["nodes"].shape
        assert tensors[f"estimators_/{i}/tree_/values"].shape == state["values"].shape
    np.testing.assert_array_equal(tensors["estimators_/120/tree_/values"].read(), forest.estimators_[120].tree_.value)
    assert tensors["estimators_/7/tree_/nodes"].read().tobytes() == forest.estimators_[7].tree_.__getstate__()["nodes"].tobytes()

    structure = next(e for e in repo.open("rf@v2").manifest.entries if e.path == "structure")
    tree_bytes = sum(t.nbytes for t in tensors.values())
    assert structure.size < 0.1 * tree_bytes  # the arrays left the pickle

    loaded = repo.load("rf@v2")
    np.testing.assert_array_equal(loaded.predict_proba(x[:500]), forest.predict_proba(x[:500]))
    assert len(repo.load("rf@v1").estimators_) == 100
