"""repo.open(rev).tensors[name][a:b] on a 200 MB model reads only the chunks covering rows a..b."""

from __future__ import annotations

import io
import zipfile

import h5py
import numpy as np
import pytest

MiB = 1 << 20


def expected_chunks(view, name: str, a: int, b: int) -> int:
    entry, record = view.manifest.tensors()[name]
    row = record.row_bytes
    return len(entry.chunks_covering(record.offset + a * row, record.offset + b * row))


def reads_during(repo, action):
    before = repo.db.objects_read
    value = action()
    return value, repo.db.objects_read - before


@pytest.fixture(scope="module")
def big_keras(tmp_path_factory):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((4096,)), keras.layers.Dense(8192, name="wide"), keras.layers.Dense(2048, name="narrow")]
    )
    path = tmp_path_factory.mktemp("big") / "big.keras"
    model.save(path)
    assert path.stat().st_size > 190 * MiB
    return path


def test_rows_of_a_200mb_keras_commit(repo, big_keras):
    commit = repo.commit(big_keras, name="big.keras")
    view = repo.open(f"big.keras@{commit.id}")
    tensor = view.tensors["wide/kernel"]
    assert tensor.shape == (4096, 8192)
    with zipfile.ZipFile(big_keras) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as h5:
        truth = h5["layers/dense/vars/0"]
        for a, b in [(0, 10), (1000, 1003), (4090, 4096), (2047, 2049)]:
            rows, reads = reads_during(repo, lambda: tensor[a:b])
            np.testing.assert_array_equal(rows, truth[a:b])
            assert reads == expected_chunks(view, "wide/kernel", a, b) <= 2
        whole_chunks = len(view.manifest.entries[0].chunks)
        assert whole_chunks > 150


def test_rows_of_a_200mb_safetensors_commit(repo, tmp_path):
    from safetensors import safe_open
    from safetensors.numpy import save_file

    rng = np.random.default_rng(0)
    arrays = {f"block{i}.weight": (rng.standard_normal((2048, 2048)) * 0.02).astype(np.float32) for i in range(12)}
    arrays["embed"] = rng.standard_normal((50_000, 16)).astype(np.float32)
    path = tmp_path / "model.safetensors"
    save_file(arrays, str(path))
    del arrays
    assert path.stat().st_size > 190 * MiB
    commit = repo.commit(path)
    view = repo.open(f"model.safetensors@{commit.id}")
    with safe_open(str(path), "np") as f:
        for name, (a, b) in [("block7.weight", (100, 164)), ("embed", (49_990, 50_000)), ("block0.weight", (0, 1))]:
            rows, reads = reads_during(repo, lambda: view.tensors[name][a:b])
            np.testing.assert_array_equal(rows, f.get_slice(name)[a:b])
            assert reads == expected_chunks(view, name, a, b) <= 2
        np.testing.assert_array_equal(view.tensors["block3.weight"][5, 7:9], f.get_tensor("block3.weight")[5, 7:9])


def test_opening_reads_no_chunk(repo, tmp_path):
    np.save(tmp_path / "w.npy", np.ones((4096, 1024), np.float32))
    commit = repo.commit(tmp_path / "w.npy")
    view, reads = reads_during(repo, lambda: repo.open(f"w.npy@{commit.id}"))
    assert reads <= 2  # the commit (unless cached) and the manifest
    assert view.tensors["array"].nbytes == 16 * MiB
