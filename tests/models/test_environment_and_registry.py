"""Recorded library versions, the warning when they differ, and adapters found only when needed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import Ridge

import store.api
from store.adapters import base
from store.errors import EnvironmentMismatchWarning, UnsupportedObjectError


def test_commit_records_the_versions_that_shaped_it(repo, tabular):
    repo.commit(Ridge().fit(tabular.x_train, tabular.y_train), "ridge")
    environment = repo.log("ridge")[0].commit.environment
    assert environment["sklearn"] == sklearn.__version__ and environment["numpy"] == np.__version__


def test_loading_under_another_minor_version_warns_naming_both(repo, tabular, monkeypatch):
    model = Ridge().fit(tabular.x_train, tabular.y_train)
    real = store.api.environment_info
    monkeypatch.setattr(store.api, "environment_info", lambda: {**real(), "sklearn": "0.24.2"})
    repo.commit(model, "old")
    monkeypatch.setattr(store.api, "environment_info", lambda: {**real(), "sklearn": sklearn.__version__.rsplit(".", 1)[0] + ".99"})
    repo.commit(model, "patch", message="same minor, other patch release")

    with pytest.warns(EnvironmentMismatchWarning, match=rf"scikit-learn 0\.24\.2 .*scikit-learn {sklearn.__version__}"):
        loaded = repo.load("old")
    np.testing.assert_array_equal(loaded.predict(tabular.x_test), model.predict(tabular.x_test))
    with warnings.catch_warnings():
        warnings.simplefilter("error", EnvironmentMismatchWarning)
        repo.load("patch")


def test_a_missing_framework_names_what_to_install(monkeypatch):
    monkeypatch.setitem(base._SPECS, "fake", base.AdapterSpec("fake", "tvc_tests_no_such_framework", ("fake",), "pip install fake-ml"))
    with pytest.raises(UnsupportedObjectError) as caught:
        base.adapter_named("fake")
    assert "needs tvc_tests_no_such_framework" in str(caught.value) and "pip install fake-ml" in str(caught.value)
    with pytest.raises(UnsupportedObjectError, match="which this tvc does not have"):
        base.adapter_named("torch")


def test_a_scikit_learn_user_never_imports_tensorflow(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import store
        from sklearn.linear_model import Ridge
        repo = store.Repo.init(sys.argv[1])
        x = np.random.default_rng(0).standard_normal((50, 3))
        repo.commit(Ridge().fit(x, x[:, 0]), "ridge")
        repo.commit({"w": x}, "arrays")
        repo.load("ridge"), repo.load("arrays")
        heavy = sorted(m for m in ("keras", "tensorflow", "torch") if m in sys.modules)
        print("imported:", heavy)
        """
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported: []"
