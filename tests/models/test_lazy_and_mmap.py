"""Reading parts of a committed object: lazy tensors, and arrays mapped from raw chunks."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from store.codecs import Raw
from store.errors import CorruptObjectError
from store.objects import object_key


@pytest.fixture(scope="module")
def wide_kmeans() -> tuple[KMeans, np.ndarray]:
    """Centers of 2.4 MB: several chunks, each a few rows."""
    x = np.random.default_rng(0).standard_normal((600, 1000))
    return KMeans(300, n_init=1, max_iter=5, random_state=0).fit(x), x


def test_lazy_rows_read_only_the_chunks_that_hold_them(repo, wide_kmeans):
    model, _ = wide_kmeans
    repo.commit(model, "km")
    view = repo.open("km")
    entry = view.manifest.entries[-1]
    record = entry.tensors["cluster_centers_"]
    assert len(entry.chunks_covering(record.offset, record.offset + record.nbytes)) > 1

    repo.db.objects_read = 0
    rows = view.tensors["cluster_centers_"][10:20]
    assert repo.db.objects_read == len(entry.chunks_covering(record.offset + 10 * record.row_bytes, record.offset + 20 * record.row_bytes)) == 1
    np.testing.assert_array_equal(rows, model.cluster_centers_[10:20])

    repo.db.objects_read = 0
    np.testing.assert_array_equal(view.tensors["cluster_centers_"].read(), model.cluster_centers_)
    assert repo.db.objects_read == len(entry.chunks_covering(record.offset, record.offset + record.nbytes))


def test_mmap_commit_stores_big_arrays_as_one_raw_chunk_each(repo, wide_kmeans):
    model, x = wide_kmeans
    repo.commit(model, "km", mmap=True)
    entry = repo.open("km").manifest.entries[-1]
    record = entry.tensors["cluster_centers_"]
    (start, chunk), = entry.chunks_covering(record.offset, record.offset + record.nbytes)
    assert (start, chunk.size) == (record.offset, record.nbytes)
    assert repo.db.header(chunk.id).codec_id == Raw.codec_id

    loaded = repo.load("km", mmap=True)
    assert isinstance(loaded.cluster_centers_, np.memmap) and not loaded.cluster_centers_.flags.writeable
    np.testing.assert_array_equal(loaded.predict(x[:50]), model.predict(x[:50]))
    np.testing.assert_array_equal(loaded.transform(x[:50]), model.transform(x[:50]))


@pytest.mark.parametrize("family", ["logistic_regression", "svc"])
def test_mmap_load_of_estimators_keeping_numpy_attributes(repo, family):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((400, 1200)), rng.integers(0, 40, 400)
    model = (LogisticRegression(max_iter=50) if family == "logistic_regression" else SVC()).fit(x, y)
    attribute = "coef_" if family == "logistic_regression" else "support_vectors_"
    repo.commit(model, family, mmap=True)
    loaded = repo.load(family, mmap=True)
    array = getattr(loaded, attribute)
    assert isinstance(array, np.memmap) or isinstance(array.base, np.memmap)
    np.testing.assert_array_equal(loaded.predict(x[:40]), model.predict(x[:40]))
    np.testing.assert_array_equal(loaded.decision_function(x[:40]), model.decision_function(x[:40]))


def test_without_mmap_commit_arrays_are_read_not_mapped(repo, wide_kmeans):
    model, x = wide_kmeans
    repo.commit(model, "km")
    loaded = repo.load("km", mmap=True)
    assert not isinstance(loaded.cluster_centers_, np.memmap) and loaded.cluster_centers_.flags.writeable
    np.testing.assert_array_equal(loaded.predict(x[:50]), model.predict(x[:50]))


def test_a_mapped_chunk_is_verified_against_its_hash(repo, wide_kmeans):
    model, _ = wide_kmeans
    repo.commit(model, "km", mmap=True)
    entry = repo.open("km").manifest.entries[-1]
    record = entry.tensors["cluster_centers_"]
    (_, chunk), = entry.chunks_covering(record.offset, record.offset + record.nbytes)
    path = repo.control / object_key(chunk.id)
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptObjectError):
        repo.load("km", mmap=True)


def test_mmap_of_odd_sized_arrays_keeps_every_byte(repo):
    rng = np.random.default_rng(2)
    arrays = {
        "odd": rng.standard_normal(40_001),
        "tiny": np.arange(3, dtype="int16"),
        "columns": np.asfortranarray(rng.standard_normal((301, 203))),
        "tail": rng.standard_normal((70_001,)).astype("float32"),
    }
    repo.commit(arrays, "odd", mmap=True)
    entry = repo.open("odd").manifest.entries[-1]
    assert sum(c.size for c in entry.chunks) == entry.size
    loaded = repo.load("odd", mmap=True)
    for name, array in arrays.items():
        np.testing.assert_array_equal(loaded[name], array)
    assert isinstance(loaded["odd"], np.memmap) and isinstance(loaded["columns"], np.memmap)
    assert loaded["columns"].flags.f_contiguous and not isinstance(loaded["tiny"], np.memmap)
