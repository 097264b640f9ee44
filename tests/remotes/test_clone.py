"""Clone into a fresh folder, check out: the same bytes, the same predictions."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import S3
from sklearn.ensemble import RandomForestClassifier

import store
from cli.main import main


def fitted_model(path: Path) -> RandomForestClassifier:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 8))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    model = RandomForestClassifier(n_estimators=30, random_state=0).fit(x, y)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return model


def tvc(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("everything", [False, True], ids=["on-demand", "all"])
def test_clone_and_checkout_give_the_same_bytes_and_predictions(
    s3_env: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, everything: bool
) -> None:
    work = tmp_path / "work"
    monkeypatch.chdir(tmp_path)
    model = fitted_model(work / "models" / "clf.joblib")
    np.save(work / "models" / "emb.npy", np.random.default_rng(1).standard_normal((3000, 64)).astype("float32"))
    monkeypatch.chdir(work)
    tvc("init")
    tvc("commit", "models/clf.joblib", "-m", "forest", "--tag", "v1")
    tvc("commit", "models/emb.npy", "-m", "embeddings")
    tvc("push", "-r", s3_env.url("shared/tvc"))

    monkeypatch.chdir(tmp_path)
    out = tvc("clone", s3_env.url("shared"), "fresh", *(["--all"] if everything else []))
    assert out.startswith("clone: ")
    config = (tmp_path / "fresh" / ".dvc" / "config").read_text()
    assert "no_scm = True" in config and "remote = origin" in config and s3_env.url("shared") in config
    mark = s3_env.log.mark()
    monkeypatch.chdir(tmp_path / "fresh")
    tvc("checkout", "models/clf.joblib@v1")
    tvc("checkout", "models/emb.npy")
    fetched_on_checkout = [r for r in s3_env.log.since(mark) if r.method == "GET" and "/objects/" in r.path]
    assert bool(fetched_on_checkout) is not everything  # with --all, everything was already here

    for name in ("models/clf.joblib", "models/emb.npy"):
        assert (tmp_path / "fresh" / name).read_bytes() == (work / name).read_bytes()
    probe = np.random.default_rng(7).standard_normal((50, 8))
    restored = joblib.load(tmp_path / "fresh" / "models" / "clf.joblib")
    np.testing.assert_array_equal(restored.predict_proba(probe), model.predict_proba(probe))
    assert store.Repo(tmp_path / "fresh").fsck().ok
    assert "origin (default)" in tvc("remote", "list")
    assert "up-to-date" in tvc("push", "--json")  # origin is the default remote now, nothing to send


def test_clone_refuses_a_folder_that_is_not_empty(s3_env: S3, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    store.Repo.init(tmp_path / "work")
    monkeypatch.chdir(tmp_path / "work")
    np.save(tmp_path / "work" / "w.npy", np.zeros(10))
    tvc("commit", "w.npy")
    tvc("push", "-r", s3_env.url("shared/tvc"))
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    result = CliRunner().invoke(main, ["clone", s3_env.url("shared"), str(tmp_path / "busy")])
    assert result.exit_code == 1 and "not empty" in result.stderr
    missing = CliRunner().invoke(main, ["clone", s3_env.url("nothing-here"), str(tmp_path / "other")])
    assert missing.exit_code == 1 and "no tvc store" in missing.stderr
