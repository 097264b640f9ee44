"""Loading is safe by default: a stored structure that would run code is refused, naming what, running nothing."""

from __future__ import annotations

import builtins
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from store.errors import UnsafeObjectError


class Payload(BaseEstimator):
    """An 'estimator' whose pickle calls ``call(*args)`` on load: what an attacker would push."""

    def __init__(self, call=None, args=()):
        self.call = call
        self.args = args

    def __reduce__(self):
        return (self.call, self.args)


class MajorityClassifier(ClassifierMixin, BaseEstimator):
    """A user's own estimator: not on the allow-list until trusted."""

    def fit(self, x, y):
        values, counts = np.unique(y, return_counts=True)
        self.majority_ = values[np.argmax(counts)]
        return self

    def predict(self, x):
        return np.full(len(x), self.majority_)


def _pickled_object_array(path: Path, marker: Path) -> Path:
    """An .npy of an object array whose elements' pickle runs ``touch marker`` when loaded with allow_pickle."""
    array = np.empty(1, dtype=object)
    array[0] = Payload(os.system, (f"touch {marker}",))
    np.save(path, array, allow_pickle=True)
    return path


def _attacks(tmp_path: Path, marker: Path) -> dict[str, tuple[Payload, str]]:
    return {
        "os.system": (Payload(os.system, (f"touch {marker}",)), "system"),
        "eval": (Payload(builtins.eval, (f"open({str(marker)!r}, 'w').close()",)), "builtins.eval"),
        "subprocess.Popen": (Payload(subprocess.Popen, (["touch", str(marker)],)), "subprocess.Popen"),
        "numpy.load": (Payload(np.load, (str(_pickled_object_array(tmp_path / "evil.npy", marker)), None, True)), "numpy.load"),
    }


@pytest.mark.parametrize("attack", ["os.system", "eval", "subprocess.Popen", "numpy.load"])
def test_malicious_pickle_is_refused_and_nothing_runs(repo, tmp_path, attack):
    marker = tmp_path / "pwned"
    payload, refused = _attacks(tmp_path, marker)[attack]
    repo.commit(payload, "evil")

    with pytest.raises(UnsafeObjectError) as caught:
        repo.load("evil")
    assert refused in str(caught.value) and "evil@" in str(caught.value)
    assert not marker.exists()

    # The same version does run the call once its callable is trusted: the refusal was what stopped it.
    trusted = caught.value.refused
    try:
        result = repo.load("evil", trusted=trusted)
        if isinstance(result, subprocess.Popen):
            result.wait()
        elif isinstance(result, np.ndarray):
            pass  # numpy.load returned the array; its element's pickle already ran
    except UnsafeObjectError:
        pytest.fail("trusting the refused names should let the load through")
    assert marker.exists()


def test_every_refused_type_is_named_at_once(repo, tabular, tmp_path):
    model = LogisticRegression(max_iter=1000).fit(tabular.x_train, tabular.y_train)
    model.callback = os.system
    model.spawner = subprocess.Popen
    repo.commit(model, "clf")
    with pytest.raises(UnsafeObjectError) as caught:
        repo.load("clf")
    assert set(caught.value.refused) == {f"{os.system.__module__}.system", "subprocess.Popen"}


def test_a_users_own_estimator_loads_once_trusted(repo, tabular):
    model = MajorityClassifier().fit(tabular.x_train, tabular.y_train)
    repo.commit(model, "mine")
    with pytest.raises(UnsafeObjectError) as caught:
        repo.load("mine")
    assert caught.value.refused == [f"{MajorityClassifier.__module__}.MajorityClassifier"]
    loaded = repo.load("mine", trusted=[MajorityClassifier])
    np.testing.assert_array_equal(loaded.predict(tabular.x_test), model.predict(tabular.x_test))
    assert repo.load("mine", trusted=caught.value.refused).majority_ == model.majority_


def test_cli_refuses_with_one_line_and_trust_lets_it_through(repo, tvc, tmp_path):
    marker = tmp_path / "pwned"
    repo.commit(Payload(os.system, (f"touch {marker}",)), "evil")
    result = tvc("checkout", "evil", "-o", "evil.joblib", code=1)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tvc: error: refusing to load evil@") and "system" in lines[0]
    assert not marker.exists() and not Path("evil.joblib").exists()


def test_keras_lambda_layer_is_refused_until_trusted(repo, tmp_path):
    import keras

    marker = tmp_path / "lambda-ran"
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Lambda(eval(f"lambda x: (open({str(marker)!r}, 'w').close(), x * 2.0)[1]"), name="double"),
            keras.layers.Dense(2, name="head"),
        ]
    )
    repo.commit(model, "net")
    marker.unlink()  # building the model (ours, at commit) ran the lambda

    with pytest.raises(UnsafeObjectError) as caught:
        repo.load("net")
    assert "Lambda layer 'double'" in str(caught.value) and caught.value.refused == ["keras.layers.Lambda"]
    assert not marker.exists()

    loaded = repo.load("net", trusted=["keras.layers.Lambda"])
    assert marker.exists()
    x = np.ones((3, 4), dtype="float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
