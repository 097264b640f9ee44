"""push / fetch / pull against moto's S3 server and local folders: what moves, and how many requests it takes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import S3, dvc_s3_project

import store
from store.errors import PushRejectedError, WouldOverwriteError
from store.objects.db import object_key

MODELS = 6


def weights(path: Path, seed: int, rows: int = 512, bump: int = 0) -> np.ndarray:
    array = np.random.default_rng(seed).standard_normal((rows, 512)).astype("float32")
    array[:bump] += 1.0
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, array)
    return array


def new_repo(folder: Path, monkeypatch: pytest.MonkeyPatch) -> store.Repo:
    folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(folder)
    return store.Repo.init(folder)


def stored_bytes(repo: store.Repo, oids: set[str]) -> int:
    return sum(repo.db.stored_size(o) for o in oids)


def puts(requests) -> list:
    return [r for r in requests if r.method == "PUT"]


def test_head_only_fine_tune_sends_only_the_new_head(s3_env: S3, tmp_path: Path, monkeypatch, keras_finetune) -> None:
    repo = new_repo(tmp_path / "work", monkeypatch)
    model = tmp_path / "work" / "net.keras"
    model.write_bytes(keras_finetune.base.read_bytes())
    repo.commit(model, message="base")
    before = set(repo.db)
    repo.push(remote=s3_env.url("team/tvc"))
    model.write_bytes(keras_finetune.head_only.read_bytes())
    repo.commit(model, message="head only")
    added = set(repo.db) - before  # the new version's chunks, manifest and commit
    new_bytes = stored_bytes(repo, added)

    mark = s3_env.log.mark()
    report = repo.push(remote=s3_env.url("team/tvc"))
    sent = puts(s3_env.log.since(mark))
    sent_bytes = sum(r.received for r in sent)
    assert report.objects_transferred == len(added)
    assert sent_bytes <= 1.1 * new_bytes, (sent_bytes, new_bytes)
    assert sent_bytes < 0.2 * model.stat().st_size  # the head, not the model
    assert {r.key.removeprefix("team/tvc/") for r in sent if "/objects/" in r.path} == {object_key(o) for o in added}


def test_no_op_push_is_one_listing_and_at_most_two_more_requests(s3_env: S3, tmp_path: Path, monkeypatch) -> None:
    repo = new_repo(tmp_path / "work", monkeypatch)
    for i in range(MODELS):
        weights(tmp_path / "work" / f"m{i}.npy", seed=i)
        repo.commit(tmp_path / "work" / f"m{i}.npy", tag="v1")
    remote = s3_env.url("team/tvc")
    repo.push(remote=remote)

    mark = s3_env.log.mark()
    report = repo.push(remote=remote)
    requests = s3_env.log.since(mark)
    assert report.objects_transferred == 0 and puts(requests) == []
    listings = [r for r in requests if r.is_listing]
    assert len(listings) == 1 and "prefix=team%2Ftvc%2Frefs%2F" in listings[0].query
    assert len(requests) - 1 <= 2, requests
    assert {r["status"] for r in report.to_dict()["refs"]} == {"up-to-date"} and len(report.refs) == 2 * MODELS


def test_push_fetch_pull_round_trip_through_a_local_folder(tmp_path: Path, monkeypatch) -> None:
    a = new_repo(tmp_path / "a", monkeypatch)
    truth = weights(tmp_path / "a" / "w.npy", seed=1)
    a.commit(tmp_path / "a" / "w.npy", message="one", tag="v1")
    remote = str(tmp_path / "remote")
    a.push(remote=remote)

    b = new_repo(tmp_path / "b", monkeypatch)
    report = b.fetch(remote=remote)
    assert report.objects_transferred == len(set(a.db))
    assert b.models() == []  # fetch leaves our refs alone: the remote's are tracked aside
    assert b.fetch(remote=remote).objects_transferred == 0
    pulled = b.pull(["w.npy@v1"], remote=remote)
    assert [r["status"] for r in pulled.to_dict()["refs"]] == ["created", "created"]
    np.testing.assert_array_equal(np.load(tmp_path / "b" / "w.npy"), truth)
    assert b.fsck().ok


def test_a_remote_configured_only_with_dvc(s3: S3, tmp_path: Path, monkeypatch) -> None:
    """dvc remote add -d / modify endpointurl / modify --local credentials: push, pull and lazy reads, no env."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    project = dvc_s3_project(tmp_path / "project", s3)
    repo = new_repo(project, monkeypatch)
    truth = weights(project / "models" / "w.npy", seed=2, rows=2048)
    repo.commit(project / "models" / "w.npy", tag="v1")
    report = repo.push()  # DVC's default remote
    assert report.remote == f"s3://{s3.bucket}/team/tvc"
    assert any(r.key.startswith("team/tvc/objects/") for r in s3.log.since(0))

    (project / "models" / "w.npy").unlink()
    (project / ".tvc").rename(tmp_path / "old-store")
    subdir = project / "models"
    monkeypatch.chdir(subdir)  # the DVC config is found from below, with no .tvc anywhere
    view = store.open_remote("store", cache_dir=tmp_path / "cache").open("models/w.npy@v1")
    np.testing.assert_array_equal(view.tensors["array"][100:110], truth[100:110])

    fresh = store.Repo.init(project)
    fresh.pull(["models/w.npy@v1"])
    np.testing.assert_array_equal(np.load(project / "models" / "w.npy"), truth)


def test_pull_from_a_folder_holding_only_dvc_config_and_pointers(s3: S3, tmp_path: Path, monkeypatch) -> None:
    project = dvc_s3_project(tmp_path / "project", s3)
    repo = new_repo(project, monkeypatch)
    truths = {f"models/m{i}.npy": weights(project / "models" / f"m{i}.npy", seed=i) for i in range(3)}
    for path in truths:
        repo.commit(project / path)
    weights(project / "models" / "m0.npy", seed=0, bump=5)
    repo.commit(project / "models" / "m0.npy")  # main moves on; the pointer names this version
    truths["models/m0.npy"] = np.load(project / "models" / "m0.npy")
    repo.push()

    checkout = tmp_path / "checkout"  # what `git clone` of the project gives: .dvc/ and the pointer files
    (checkout / "models").mkdir(parents=True)
    for item in (".dvc/config", ".dvc/config.local", *[f"{p}.tvc" for p in truths]):
        (checkout / item).parent.mkdir(parents=True, exist_ok=True)
        (checkout / item).write_bytes((project / item).read_bytes())
    from click.testing import CliRunner

    from cli.main import main

    monkeypatch.chdir(checkout)
    result = CliRunner().invoke(main, ["pull"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("pull: ") and "3 checked out" in result.output
    assert (checkout / ".tvc" / "config").is_file()
    for path, truth in truths.items():
        assert (checkout / path).read_bytes() == (project / path).read_bytes()
        np.testing.assert_array_equal(np.load(checkout / path), truth)


def test_non_fast_forward_push_is_refused_unless_forced(tmp_path: Path, monkeypatch) -> None:
    remote = str(tmp_path / "remote")
    a = new_repo(tmp_path / "a", monkeypatch)
    weights(tmp_path / "a" / "w.npy", seed=1)
    a.commit(tmp_path / "a" / "w.npy")
    a.push(remote=remote)
    b = new_repo(tmp_path / "b", monkeypatch)
    weights(tmp_path / "b" / "w.npy", seed=2)
    b.commit(tmp_path / "b" / "w.npy")
    with pytest.raises(PushRejectedError, match="pull"):
        b.push(remote=remote)
    assert store.Repo(tmp_path / "a").refs.get("w.npy", "heads", "main") == a.refs.get("w.npy", "heads", "main")
    forced = b.push(remote=remote, force=True)
    assert [u.status for u in forced.refs] == ["forced"]


def test_pull_merges_a_diverged_branch_so_the_next_push_fast_forwards(tmp_path: Path, monkeypatch) -> None:
    remote = str(tmp_path / "remote")
    a = new_repo(tmp_path / "a", monkeypatch)
    weights(tmp_path / "a" / "w.npy", seed=1)
    base = a.commit(tmp_path / "a" / "w.npy").id
    a.push(remote=remote)
    b = new_repo(tmp_path / "b", monkeypatch)
    (tmp_path / "b" / "w.npy.tvc").write_bytes((tmp_path / "a" / "w.npy.tvc").read_bytes())
    b.pull(["w.npy.tvc"], remote=remote)  # a pointer file names its path too
    weights(tmp_path / "a" / "w.npy", seed=1, bump=3)
    theirs = a.commit(tmp_path / "a" / "w.npy").id
    a.push(remote=remote)
    weights(tmp_path / "b" / "w.npy", seed=1, bump=7)
    ours = b.commit(tmp_path / "b" / "w.npy").id
    ours_file = (tmp_path / "b" / "w.npy").read_bytes()

    report = b.pull(["w.npy"], remote=remote)
    merged = b.refs.get("w.npy", "heads", "main")
    commit = b.commits.get(merged)
    assert commit.parents == (ours, theirs) and commit.manifest == b.commits.get(ours).manifest
    assert [r.to_dict()["status"] for r in report.refs] == ["merged"]
    assert (tmp_path / "b" / "w.npy").read_bytes() == ours_file  # our version stays checked out
    pushed = b.push(remote=remote)
    assert [u.status for u in pushed.refs] == ["fast-forward"]
    a.pull(["w.npy"], remote=remote)
    assert {e.id for e in a.log("w.npy")} == {merged, ours, theirs, base}


def test_partial_clone_reads_old_versions_on_demand(tmp_path: Path, monkeypatch) -> None:
    remote = tmp_path / "remote" / "tvc"
    a = new_repo(tmp_path / "a", monkeypatch)
    v1 = weights(tmp_path / "a" / "w.npy", seed=1)
    a.commit(tmp_path / "a" / "w.npy", tag="v1")
    weights(tmp_path / "a" / "w.npy", seed=3)
    a.commit(tmp_path / "a" / "w.npy")
    a.push(remote=str(remote))
    monkeypatch.chdir(tmp_path)
    clone, report = store.Repo.clone(str(remote.parent), tmp_path / "clone")
    assert report.objects_transferred == 0 and set(clone.db) == set()
    assert "origin" in (tmp_path / "clone" / ".dvc" / "config").read_text()
    monkeypatch.chdir(tmp_path / "clone")
    assert len(clone.log("w.npy")) == 2  # commits come on demand
    clone.checkout("w.npy@v1")
    np.testing.assert_array_equal(np.load(tmp_path / "clone" / "w.npy"), v1)
    assert set(clone.db) < set(a.db)  # the other version's chunks never came
    assert clone.fsck().ok


def test_pull_follows_a_pointer_that_git_moved_but_never_drops_unsaved_work(tmp_path: Path, monkeypatch) -> None:
    remote = str(tmp_path / "remote")
    a = new_repo(tmp_path / "a", monkeypatch)
    v1 = weights(tmp_path / "a" / "w.npy", seed=1)
    a.commit(tmp_path / "a" / "w.npy", tag="v1")
    old_pointer = (tmp_path / "a" / "w.npy.tvc").read_bytes()
    weights(tmp_path / "a" / "w.npy", seed=2)
    a.commit(tmp_path / "a" / "w.npy")
    a.push(remote=remote)

    b = new_repo(tmp_path / "b", monkeypatch)
    b.pull(["w.npy@main"], remote=remote)
    (tmp_path / "b" / "w.npy.tvc").write_bytes(old_pointer)  # `git checkout` of older code moves the pointer
    b.pull(remote=remote)
    np.testing.assert_array_equal(np.load(tmp_path / "b" / "w.npy"), v1)

    b.pull(["w.npy@main"], remote=remote)
    weights(tmp_path / "b" / "w.npy", seed=9)  # unsaved work
    (tmp_path / "b" / "w.npy.tvc").write_bytes(old_pointer)
    with pytest.raises(WouldOverwriteError):
        b.pull(remote=remote)
    np.testing.assert_array_equal(np.load(tmp_path / "b" / "w.npy"), weights(tmp_path / "x.npy", seed=9))


class Recorder:
    """A ``store.progress.Progress`` that remembers what it was told (what the CLI's bars draw)."""

    def __init__(self) -> None:
        self.bars: list[tuple[str, int | None]] = []
        self.advanced = 0

    def begin(self, label: str, total: int | None) -> None:
        self.bars.append((label, total))

    def advance(self, amount: int) -> None:
        self.advanced += amount

    def end(self) -> None:
        pass


def test_progress_counts_objects_and_bytes(tmp_path: Path, monkeypatch) -> None:
    repo = new_repo(tmp_path / "a", monkeypatch)
    weights(tmp_path / "a" / "w.npy", seed=1, rows=2048)
    repo.commit(tmp_path / "a" / "w.npy")
    recorder = Recorder()
    report = repo.push(remote=str(tmp_path / "remote"), progress=recorder)
    assert recorder.bars == [(f"pushing {report.objects_transferred} objects", report.bytes_transferred)]
    assert recorder.advanced == report.bytes_transferred > 0


def test_gc_keeps_what_a_fetch_brought_in(tmp_path: Path, monkeypatch) -> None:
    a = new_repo(tmp_path / "a", monkeypatch)
    weights(tmp_path / "a" / "w.npy", seed=1)
    a.commit(tmp_path / "a" / "w.npy")
    a.push(remote=str(tmp_path / "remote"))
    b = new_repo(tmp_path / "b", monkeypatch)
    b.fetch(remote=str(tmp_path / "remote"))
    fetched = set(b.db)
    for oid in fetched:  # older than gc's grace period
        os.utime(b.backend.path(object_key(oid)), (1_000_000_000, 1_000_000_000))
    assert b.gc().removed == [] and set(b.db) == fetched  # the remote-tracking refs hold them
    shutil.rmtree(tmp_path / "b" / ".tvc" / "remotes")
    assert set(store.Repo(tmp_path / "b").gc().removed) == fetched


def test_a_partial_store_fetches_again_what_it_holds_damaged(tmp_path: Path, monkeypatch) -> None:
    remote = tmp_path / "remote" / "tvc"
    a = new_repo(tmp_path / "a", monkeypatch)
    truth = weights(tmp_path / "a" / "w.npy", seed=4)
    a.commit(tmp_path / "a" / "w.npy")
    a.push(remote=str(remote))
    monkeypatch.chdir(tmp_path)
    clone, _ = store.Repo.clone(str(remote), tmp_path / "clone")
    monkeypatch.chdir(tmp_path / "clone")
    clone.checkout("w.npy")
    chunk = next(iter(clone.manifest(clone.resolve("w.npy").commit).chunk_ids()))
    damaged = clone.backend.path(object_key(chunk))
    damaged.write_bytes(b"")  # what a crash before the sync can leave
    (tmp_path / "clone" / "w.npy").unlink()
    store.Repo(tmp_path / "clone").checkout("w.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "clone" / "w.npy"), truth)
    assert damaged.stat().st_size > 0
    view = store.Repo(tmp_path / "clone").open("w.npy")
    damaged.write_bytes(b"")
    np.testing.assert_array_equal(view.tensors["array"].read(), truth)  # whole-chunk reads decode in place


def test_repo_open_on_a_remote_keeps_what_it_read(tmp_path: Path, monkeypatch) -> None:
    a = new_repo(tmp_path / "a", monkeypatch)
    truth = weights(tmp_path / "a" / "w.npy", seed=5, rows=4096)
    a.commit(tmp_path / "a" / "w.npy", tag="v1")
    a.push(remote=str(tmp_path / "remote"))
    b = new_repo(tmp_path / "b", monkeypatch)
    view = b.open("w.npy@v1", remote=str(tmp_path / "remote"))
    np.testing.assert_array_equal(view.tensors["array"][10:20], truth[10:20])
    entry, record = view.manifest.tensors()["array"]
    covering = {c.id for _o, c in entry.chunks_covering(record.offset + 10 * record.row_bytes, record.offset + 20 * record.row_bytes)}
    assert set(b.db) == {view.commit_id, a.commits.get(view.commit_id).manifest, *covering}
    assert b.models() == []  # reading is not fetching: no refs of ours moved
