"""Shared fixtures: a fresh repository, and real Keras models trained inside the tests."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from collections.abc import Callable  # noqa: E402

import pytest  # noqa: E402
from click.testing import CliRunner, Result  # noqa: E402
from synthetic import classification_data  # noqa: E402

import store  # noqa: E402
from cli.main import main  # noqa: E402

Tvc = Callable[..., Result]


@pytest.fixture
def tvc() -> Tvc:
    """Run ``tvc ARGS...`` in-process and check the exit code (default 0)."""
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Result:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result

    return run


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store.Repo:
    monkeypatch.chdir(tmp_path)
    return store.Repo.init(tmp_path)


@dataclass(frozen=True)
class FineTune:
    base: Path  # v1: every layer trained
    head_only: Path  # v2: all but the last layer frozen, then trained
    frozen: tuple[str, ...]  # variable paths that must be unchanged in v2
    head: tuple[str, ...]  # variable paths of the trained last layer


@pytest.fixture(scope="session")
def keras_finetune(tmp_path_factory: pytest.TempPathFactory) -> FineTune:
    """compile, fit, save v1; freeze all but the last layer, recompile, fit, save v2."""
    import keras

    folder = tmp_path_factory.mktemp("finetune")
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((32,)),
            keras.layers.Dense(256, activation="relu", name="hidden1"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.Dense(256, activation="relu", name="hidden2"),
            keras.layers.Dense(4, activation="softmax", name="head"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(*classification_data(0), epochs=1, batch_size=64, verbose=0)
    base = folder / "v1.keras"
    model.save(base)
    for layer in model.layers[:-1]:
        layer.trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(*classification_data(1), epochs=1, batch_size=64, verbose=0)
    head_only = folder / "v2.keras"
    model.save(head_only)
    reloaded = keras.models.load_model(head_only)
    head = tuple(v.path for v in reloaded.layers[-1].weights)
    frozen = tuple(v.path for layer in reloaded.layers[:-1] for v in layer.weights)
    return FineTune(base, head_only, frozen, head)
