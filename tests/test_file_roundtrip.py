"""Every committed file or folder checks out byte-identical, whatever its format."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from pathlib import Path

import h5py
import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import store


def roundtrip(repo: store.Repo, path: Path, name: str | None = None) -> store.CommitResult:
    """Commit ``path``, check it out elsewhere, and require identical bytes (and modes)."""
    commit = repo.commit(path, name=name)
    out = path.parent / f"{path.name}.out"
    if out.is_dir():
        shutil.rmtree(out)
    out.unlink(missing_ok=True)
    restored = repo.checkout(f"{commit.name}@{commit.id}", out=out).path
    if path.is_dir():
        expect = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        got = sorted(p.relative_to(restored).as_posix() for p in restored.rglob("*") if p.is_file())
        assert got == expect
        for rel in expect:
            assert (restored / rel).read_bytes() == (path / rel).read_bytes(), rel
            assert stat.S_IMODE((restored / rel).stat().st_mode) == stat.S_IMODE((path / rel).stat().st_mode)
    else:
        assert restored.read_bytes() == path.read_bytes()
    return commit


def weights(seed: int, shape: tuple[int, ...], dtype: str = "float32") -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(shape) * 0.05).astype(dtype)


@pytest.mark.parametrize(
    "array",
    [
        weights(0, (300, 700)),
        np.arange(500_000, dtype=np.int64).reshape(1000, 500),
        np.random.default_rng(1).random((64, 64)) > 0.5,
        np.asfortranarray(weights(2, (400, 300))),
        weights(3, (5,), "float16"),
        np.float32(3.5),
    ],
    ids=["f32", "i64", "bool", "fortran", "f16", "scalar"],
)
def test_npy(repo, tmp_path, array):
    path = tmp_path / "a.npy"
    np.save(path, array)
    commit = roundtrip(repo, path)
    view = repo.open(f"a.npy@{commit.id}")
    if array.flags.c_contiguous and array.nbytes:
        np.testing.assert_array_equal(view.tensors["array"].read(), array)


@pytest.mark.parametrize("compressed", [False, True])
def test_npz(repo, tmp_path, compressed):
    path = tmp_path / "w.npz"
    arrays = {f"layer{i}": weights(i, (200 + i, 300)) for i in range(5)} | {"step": np.array(7)}
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    commit = roundtrip(repo, path)
    tensors = repo.open(f"w.npz@{commit.id}").tensors
    if compressed:
        assert len(tensors) == 0
    else:
        for key, value in arrays.items():
            np.testing.assert_array_equal(tensors[key].read(), value)


def test_safetensors(repo, tmp_path):
    from safetensors.numpy import load_file, save_file

    path = tmp_path / "m.safetensors"
    arrays = {
        "embed": weights(0, (1000, 128)),
        "proj": weights(1, (128, 64), "float16"),
        "norm": weights(2, (64,)).astype(ml_dtypes.bfloat16),
        "ids": np.arange(10, dtype=np.int32),
    }
    save_file(arrays, str(path), metadata={"format": "np"})
    commit = roundtrip(repo, path)
    tensors = repo.open(f"m.safetensors@{commit.id}").tensors
    for key, value in load_file(str(path)).items():
        assert tensors[key].read().tobytes() == value.tobytes()
        assert tensors[key].shape == value.shape


def test_hdf5(repo, tmp_path):
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as f:
        f["dense/kernel"] = weights(0, (512, 256))
        f["dense/bias"] = weights(1, (256,))
        f.create_dataset("conv/kernel", data=weights(2, (3, 3, 16, 32)), chunks=(3, 3, 16, 8), compression="gzip")
        f.attrs["note"] = "attrs live in metadata"
    commit = roundtrip(repo, path)
    tensors = repo.open(f"m.h5@{commit.id}").tensors
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(tensors["dense/kernel"][10:20], f["dense/kernel"][10:20])
        assert "conv/kernel" not in tensors  # compressed chunks: stored by content, not as a tensor


def test_keras_file(repo, keras_finetune):
    roundtrip(repo, keras_finetune.base, name="net.keras")


def test_saved_model_folder(repo, tmp_path):
    import tensorflow as tf

    class Scale(tf.Module):
        def __init__(self) -> None:
            self.w = tf.Variable(weights(0, (64, 32)))

        @tf.function(input_signature=[tf.TensorSpec([None, 64], tf.float32)])
        def __call__(self, x):
            return tf.matmul(x, self.w)

    folder = tmp_path / "saved"
    tf.saved_model.save(Scale(), str(folder))
    (folder / "run.sh").write_text("#!/bin/sh\necho serve\n")
    os.chmod(folder / "run.sh", 0o755)
    commit = roundtrip(repo, folder)
    assert repo.manifest(commit.id).type == "folder"
    loaded = tf.saved_model.load(str(tmp_path / "saved.out"))
    x = np.ones((2, 64), np.float32)
    np.testing.assert_allclose(loaded(x).numpy(), x @ weights(0, (64, 32)), rtol=1e-4, atol=1e-6)


def test_deflated_zip_and_empty_file(repo, tmp_path):
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", "hello " * 1000)
    roundtrip(repo, path)
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    roundtrip(repo, empty)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(0, 3_000_000),
    repeat=st.sampled_from([1, 3, 50]),
)
def test_random_binary_files(repo, tmp_path, seed, size, repeat):
    rng = np.random.default_rng(seed)
    block = rng.bytes(max(1, size // repeat))
    data = (block * repeat)[:size]
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    roundtrip(repo, path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096))
def test_tiny_binary_files(repo, tmp_path, data):
    path = tmp_path / "tiny.bin"
    path.write_bytes(data)
    roundtrip(repo, path)
