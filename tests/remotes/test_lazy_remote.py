"""Reading one tensor of a 200 MB model straight from S3: the ref, the commit, the manifest, the covering chunks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import S3

import store
from store.objects.db import object_key

MiB = 1 << 20


@pytest.fixture
def pushed_200mb(s3_env: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[store.Repo, dict[str, np.ndarray]]:
    from safetensors.numpy import save_file

    rng = np.random.default_rng(0)
    arrays = {f"block{i}.weight": (rng.standard_normal((2048, 2048)) * 0.02).astype(np.float32) for i in range(12)}
    arrays["embed"] = rng.standard_normal((50_000, 16)).astype(np.float32)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    save_file(arrays, str(work / "model.safetensors"))
    assert (work / "model.safetensors").stat().st_size > 190 * MiB
    repo = store.Repo.init(work)
    repo.commit(work / "model.safetensors", tag="v1")
    repo.push(remote=s3_env.url("big/tvc"))
    return repo, arrays


def test_one_tensor_of_a_200mb_model_through_open_remote(s3_env: S3, pushed_200mb, tmp_path: Path, monkeypatch) -> None:
    repo, arrays = pushed_200mb
    monkeypatch.chdir(tmp_path)  # outside any repository: fetched objects go to the cache folder
    monkeypatch.setenv("TVC_CACHE_DIR", str(tmp_path / "cache"))
    mark = s3_env.log.mark()
    view = store.open_remote(s3_env.url("big/tvc")).open("model.safetensors@v1")
    rows = view.tensors["block7.weight"][100:164]
    np.testing.assert_array_equal(rows, arrays["block7.weight"][100:164])

    entry, record = view.manifest.tensors()["block7.weight"]
    row = record.row_bytes
    covering = {c.id for _offset, c in entry.chunks_covering(record.offset + 100 * row, record.offset + 164 * row)}
    commit = repo.commits.get(view.commit_id)
    expected = {"refs/model.safetensors/heads/v1", "refs/model.safetensors/tags/v1"} | {
        object_key(o) for o in {view.commit_id, commit.manifest, *covering}
    }
    requests = s3_env.log.since(mark)
    assert all(r.method == "GET" for r in requests)
    keys = [r.key.removeprefix("big/tvc/") for r in requests]
    assert len(keys) == len(set(keys)) and set(keys) <= expected  # each at most once; the branch lookup may miss
    assert set(keys) >= expected - {"refs/model.safetensors/heads/v1"}
    sent = sum(r.sent for r in requests if r.status == 200)
    assert sent == sum(repo.db.stored_size(o) for o in {view.commit_id, commit.manifest, *covering}) + 65
    assert len(covering) <= 2 and sent < 5 * MiB

    again = s3_env.log.mark()
    np.testing.assert_array_equal(view.tensors["block7.weight"][100:164], rows)
    assert s3_env.log.since(again) == []  # cached
