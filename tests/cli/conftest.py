"""Fixtures for CLI tests: a fresh repository in tmp_path and a ``tvc(...)`` runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture
def repo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tvc: Callable[..., object]) -> Path:
    """An initialized repository that is also the working directory."""
    monkeypatch.chdir(tmp_path)
    tvc("init")
    (tmp_path / "models").mkdir()
    return tmp_path


@pytest.fixture
def make_weights() -> Callable[..., np.ndarray]:
    return write_weights


@pytest.fixture
def make_npz() -> Callable[..., None]:
    return write_npz


@pytest.fixture
def error_line() -> Callable[[str], str]:
    return one_error_line


def write_weights(path: Path, seed: int = 0, bump_rows: int = 0) -> np.ndarray:
    """A ~300 KB float32 .npy; ``bump_rows`` changes the first rows of the same data."""
    array = np.random.default_rng(seed).standard_normal((300, 256)).astype("float32")
    array[:bump_rows] += 1.0
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, array)
    return array


def write_npz(path: Path, seed: int = 0, change: str | None = None) -> None:
    """A stored (uncompressed) .npz of three tensors; ``change`` perturbs one of them."""
    rng = np.random.default_rng(seed)
    arrays = {
        "dense_kernel": rng.standard_normal((200, 128)).astype("float32"),
        "dense_bias": rng.standard_normal(128).astype("float32"),
        "head_kernel": rng.standard_normal((128, 10)).astype("float32"),
    }
    if change is not None:
        arrays[change] = arrays[change] + 1.0
    np.savez(path, **arrays)


def one_error_line(stderr: str) -> str:
    """Assert the house style for failures: exactly one line, "tvc: error: ...", no traceback."""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("tvc: error: "), stderr
    return lines[0]
