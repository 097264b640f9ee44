"""Two clones push different commits to one branch at the same moment: S3's conditional write picks one."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import S3

import store
from cli.main import main
from store.backend.s3 import S3Backend
from store.errors import PushRejectedError
from store.remotes import connect
from store.transfer import Endpoint, push


class RefGate(S3Backend):
    """The real S3 backend, except that every ref move first waits for both pushers to get there."""

    def __init__(self, inner: S3Backend, barrier: threading.Barrier) -> None:
        super().__init__(inner.fs, inner.root)
        self.barrier = barrier

    def compare_and_swap(self, key: str, expected: bytes | None, new: bytes | None) -> None:
        if key.startswith("refs/"):
            self.barrier.wait(timeout=30)
        super().compare_and_swap(key, expected, new)


def commit_weights(repo: store.Repo, seed: int, bump: int = 0) -> str:
    array = np.random.default_rng(seed).standard_normal((256, 256)).astype("float32")
    array[:bump] += 1
    np.save(repo.root / "w.npy", array)
    return repo.commit(repo.root / "w.npy", message=f"seed {seed} bump {bump}").id


def test_one_push_wins_the_other_is_told_to_pull_and_nothing_is_lost(s3_env: S3, tmp_path: Path, monkeypatch) -> None:
    url = s3_env.url("team/tvc")
    origin = store.Repo.init(tmp_path / "origin")
    monkeypatch.chdir(tmp_path / "origin")
    base = commit_weights(origin, seed=0)
    origin.push(remote=url)
    monkeypatch.chdir(tmp_path)
    a, _ = store.Repo.clone(s3_env.url("team"), tmp_path / "a")
    b, _ = store.Repo.clone(s3_env.url("team"), tmp_path / "b")
    a.checkout("w.npy")
    b.checkout("w.npy")
    ours = {"a": commit_weights(a, seed=0, bump=1), "b": commit_weights(b, seed=0, bump=2)}

    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def pushing(label: str, repo: store.Repo) -> None:
        gate = RefGate(connect(url, tmp_path).backend, barrier)
        try:
            outcome[label] = push(repo._local(), Endpoint.over(gate), local_config=repo._store_config())
        except PushRejectedError as exc:
            outcome[label] = exc

    threads = [threading.Thread(target=pushing, args=(label, repo)) for label, repo in (("a", a), ("b", b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    refused = [label for label, result in outcome.items() if isinstance(result, PushRejectedError)]
    assert len(refused) == 1, outcome
    loser = refused[0]
    winner = "b" if loser == "a" else "a"
    assert "moved on the remote" in str(outcome[loser]) and "tvc pull" in str(outcome[loser])
    assert origin.connect(url).backend.read("refs/w.npy/heads/main") == f"{ours[winner]}\n".encode()

    # The loser sees the same refusal from the CLI (remote unchanged now: refused before sending anything).
    monkeypatch.chdir(tmp_path / loser)
    again = CliRunner().invoke(main, ["push"])
    assert again.exit_code == 1 and len(again.stderr.splitlines()) == 1 and "tvc pull" in again.stderr

    loser_repo = store.Repo(tmp_path / loser)
    report = loser_repo.pull(["w.npy"])
    assert [r.to_dict()["status"] for r in report.refs] == ["merged"]
    assert [u.status for u in loser_repo.push().refs] == ["fast-forward"]

    monkeypatch.chdir(tmp_path)
    check, _ = store.Repo.clone(s3_env.url("team"), tmp_path / "check")
    history = {entry.id for entry in check.log("w.npy")}
    assert {base, ours["a"], ours["b"]} < history
    assert check.fsck().ok


def test_a_tag_that_differs_on_the_remote_is_never_moved_without_force(tmp_path: Path, monkeypatch) -> None:
    remote = str(tmp_path / "remote")
    a = store.Repo.init(tmp_path / "a")
    monkeypatch.chdir(tmp_path / "a")
    first = commit_weights(a, seed=1)
    a.tag("v1", f"w.npy@{first}")
    a.push(remote=remote)
    second = commit_weights(a, seed=2)
    a.tag("v1", f"w.npy@{second}", force=True)
    with pytest.raises(PushRejectedError, match="tag 'v1'"):
        a.push(remote=remote)  # refused before anything is sent: main stays where it was too
    assert store.Repo(tmp_path / "a").connect(remote).backend.read("refs/w.npy/heads/main") == f"{first}\n".encode()
    assert {u.name: u.status for u in a.push(remote=remote, force=True).refs} == {"main": "fast-forward", "v1": "forced"}
