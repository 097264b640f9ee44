import json
import sys
import types

import numpy as np
import pytest

from store.errors import CorruptObjectError, InvalidManifestError, ObjectNotFoundError
from store.objects import Kind
from store.versioning import Commit, default_author, environment_info

M = "1" * 64
P = "2" * 64


def _commit(**kw):
    base = dict(manifest=M, parents=(P,), name="models/net.keras", message="fine-tune", author="me",
                time=1_700_000_000.5, params={"lr": 0.1, "layers": [1, 2]}, metrics={"auc": 0.91},
                environment={"python": "3.11"})
    base.update(kw)
    return Commit(**base)


def test_round_trip_is_canonical():
    commit = _commit()
    raw = commit.to_bytes()
    assert json.loads(raw)["schema"] == 1
    back = Commit.from_bytes(raw)
    assert back == commit
    assert back.to_bytes() == raw
    assert back.parent == P


def test_integer_time_hashes_like_float():
    assert _commit(time=1_700_000_000).to_bytes() == _commit(time=1_700_000_000.0).to_bytes()


def _tampered(**changes):
    body = json.loads(_commit().to_bytes())
    body.update(changes)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "changes",
    [
        {"manifest": "abc"},
        {"manifest": "A" * 64},
        {"parents": P},
        {"parents": ["xyz"]},
        {"parents": [P, P]},
        {"time": "yesterday"},
        {"time": True},
        {"params": []},
        {"metrics": None},
        {"message": 3},
        {"name": "a/../b"},
        {"name": "./clf"},
        {"schema": 2},
        {"extra": 1},
    ],
)
def test_invalid_commits_rejected(changes):
    with pytest.raises(InvalidManifestError):
        Commit.from_bytes(_tampered(**changes))


def test_missing_field_and_non_object_rejected():
    body = json.loads(_commit().to_bytes())
    del body["author"]
    with pytest.raises(InvalidManifestError, match="missing"):
        Commit.from_bytes(json.dumps(body).encode())
    with pytest.raises(InvalidManifestError):
        Commit.from_bytes(b"[1, 2]")
    with pytest.raises(InvalidManifestError):
        Commit.from_bytes(b"\xff")


def test_unstorable_values_rejected_on_write():
    with pytest.raises(InvalidManifestError):
        _commit(params={"x": float("nan")}).to_bytes()
    with pytest.raises(InvalidManifestError):
        _commit(params={"x": object()}).to_bytes()
    with pytest.raises(InvalidManifestError):
        _commit(time=float("inf")).to_bytes()


def test_environment_reports_only_imported_frameworks(monkeypatch):
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    fake = types.ModuleType("sklearn")
    fake.__version__ = "9.9.9"
    monkeypatch.setitem(sys.modules, "sklearn", fake)
    info = environment_info()
    assert info["numpy"] == np.__version__
    assert info["python"].count(".") == 2
    assert info["sklearn"] == "9.9.9"
    assert "tensorflow" not in info and "keras" not in info
    assert "tensorflow" not in sys.modules  # never imported as a side effect


def test_default_author(monkeypatch):
    for var in ("TVC_AUTHOR", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"):
        monkeypatch.delenv(var, raising=False)
    assert "@" in default_author()
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ada@example.com")
    assert default_author() == "Ada <ada@example.com>"
    monkeypatch.setenv("TVC_AUTHOR", "Grace")
    assert default_author() == "Grace"


def test_commit_store(store):
    mid = store.tensor_manifest({"w": np.ones(3, dtype=np.float32)})
    commit = store.make("clf", manifest=mid)
    oid = store.commits.put(commit)
    assert store.db.header(oid).kind == Kind.COMMIT
    assert store.commits.get(oid) == commit
    assert store.commits.manifest(oid).tensors()["w"][1].shape == (3,)
    chunk = store.chunk(b"just bytes").id
    with pytest.raises(CorruptObjectError, match="expected a commit"):
        store.commits.get(chunk)
    with pytest.raises(ObjectNotFoundError):
        store.commits.get("f" * 64)
