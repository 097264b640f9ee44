"""log, show, diff, branch and tag over a model with a few versions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

FULL_ID = re.compile(r"[0-9a-f]{64}")
LOG_KEYS = {"id", "name", "parents", "message", "author", "time", "params", "metrics", "environment", "manifest", "labels"}


@pytest.fixture
def history(repo_dir: Path, tvc, make_npz) -> list[str]:
    """models/net.npz with v1 (baseline) and a second version that changes one tensor."""
    path = repo_dir / "models/net.npz"
    make_npz(path)
    first = tvc("commit", "-q", "models/net.npz", "-m", "baseline", "-p", "epochs=3", "--metric", "acc=0.8", "--tag", "v1").stdout.strip()
    make_npz(path, change="head_kernel")
    second = tvc("commit", "-q", "models/net.npz", "-m", "fine-tune head", "--metric", "acc=0.9").stdout.strip()
    return [first, second]


def test_log_text_newest_first_with_labels(history: list[str], tvc) -> None:
    out = tvc("log", "models/net.npz").stdout
    first, second = history
    assert out.index(second[:12]) < out.index(first[:12])
    assert f"{second[:12]} (main)" in out and f"{first[:12]} (tag: v1)" in out
    assert "fine-tune head" in out and "p: epochs=3  m: acc=0.8" in out
    assert not FULL_ID.search(out)


def test_log_json_schema_and_full_ids(history: list[str], tvc) -> None:
    entries = json.loads(tvc("log", "models/net.npz", "--json").stdout)
    assert [e["id"] for e in entries] == history[::-1]
    for entry in entries:
        assert set(entry) == LOG_KEYS
        assert FULL_ID.fullmatch(entry["id"]) and FULL_ID.fullmatch(entry["manifest"])
        assert all(FULL_ID.fullmatch(p) for p in entry["parents"])
    assert entries[0]["parents"] == [history[0]]
    assert entries[1]["labels"] == ["tag: v1"]


def test_log_rev_and_limit(history: list[str], tvc) -> None:
    assert [e["id"] for e in json.loads(tvc("log", "models/net.npz@v1", "--json").stdout)] == [history[0]]
    assert [e["id"] for e in json.loads(tvc("log", "models/net.npz", "-n", "1", "--json").stdout)] == [history[1]]


def test_log_without_name_lists_every_model(history: list[str], repo_dir: Path, tvc, make_weights) -> None:
    make_weights(repo_dir / "models/w.npy")
    tvc("commit", "models/w.npy")
    out = tvc("log").stdout
    assert "== models/net.npz ==" in out and "== models/w.npy ==" in out
    assert {e["name"] for e in json.loads(tvc("log", "--json").stdout)} == {"models/net.npz", "models/w.npy"}


def test_show_text_and_json(history: list[str], tvc) -> None:
    out = tvc("show", "models/net.npz@v1").stdout
    assert history[0][:12] in out and "baseline" in out and "dense_kernel" in out and "float32" in out
    assert "(200, 128)" in out
    info = json.loads(tvc("show", "models/net.npz@v1", "--json").stdout)
    assert info["id"] == history[0] and info["type"] == "file" and info["name"] == "models/net.npz"
    assert {t["name"] for t in info["tensors"]} >= {"dense_kernel", "dense_bias", "head_kernel"}
    kernel = next(t for t in info["tensors"] if t["name"] == "dense_kernel")
    assert kernel["shape"] == [200, 128] and np.dtype(kernel["dtype"]) == np.float32 and kernel["nbytes"] == 200 * 128 * 4
    assert info["chunks"] >= 1 and info["size"] > 0 and len(info["files"]) == 1


def test_show_truncates_long_tensor_tables(repo_dir: Path, tvc) -> None:
    np.savez(repo_dir / "models/many.npz", **{f"t{i:03d}": np.full(4, i, dtype="float32") for i in range(60)})
    tvc("commit", "models/many.npz")
    out = tvc("show", "models/many.npz").stdout
    assert "... 10 more" in out and "t049" in out and "t050" not in out
    assert len(json.loads(tvc("show", "models/many.npz", "--json").stdout)["tensors"]) == 60


def test_diff_text_and_json(history: list[str], tvc) -> None:
    out = tvc("diff", "models/net.npz@v1", "models/net.npz@main").stdout
    lines = out.splitlines()
    assert any(line.startswith("M  head_kernel") for line in lines), out
    assert not any("dense_kernel" in line for line in lines)
    assert re.search(r"^1 changed, 0 added, 0 removed, \d+ unchanged; [\d.]+ (B|KiB|MiB) new bytes$", lines[-1]), out
    report = json.loads(tvc("diff", "models/net.npz@v1", "models/net.npz", "--json").stdout)
    assert report["a"] == history[0] and report["b"] == history[1]
    statuses = {t["name"]: t["status"] for t in report["tensors"]}
    assert statuses["head_kernel"] == "changed" and statuses["dense_kernel"] == "unchanged"
    assert report["summary"]["changed"] == 1 and report["summary"]["new_bytes"] > 0


def test_branch_list_create_and_tag(history: list[str], tvc) -> None:
    out = tvc("branch", "models/net.npz", "exp", "v1").stdout
    assert out == f"Created branch exp of models/net.npz at {history[0][:12]}\n"
    listing = tvc("branch", "models/net.npz").stdout
    assert re.search(rf"^exp\s+{history[0][:12]}$", listing, re.M) and re.search(rf"^main\s+{history[1][:12]}$", listing, re.M)
    assert json.loads(tvc("branch", "models/net.npz", "--json").stdout) == {"exp": history[0], "main": history[1]}
    assert tvc("tag", "v2", "models/net.npz").stdout == f"Tagged models/net.npz@{history[1][:12]} as v2\n"
    assert json.loads(tvc("show", "models/net.npz@v2", "--json").stdout)["id"] == history[1]


def test_moving_a_tag_needs_force(history: list[str], tvc, error_line) -> None:
    result = tvc("tag", "v1", "models/net.npz@main", code=1)
    error_line(result.stderr)
    tvc("tag", "v1", "models/net.npz@main", "--force")
    assert json.loads(tvc("show", "models/net.npz@v1", "--json").stdout)["id"] == history[1]
