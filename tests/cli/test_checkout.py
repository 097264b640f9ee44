"""checkout and status: byte-exact restores, pointer files, and never clobbering local edits."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


@pytest.fixture
def two_versions(repo_dir: Path, tvc, make_weights) -> tuple[bytes, bytes, list[str]]:
    path = repo_dir / "models/w.npy"
    make_weights(path)
    v1 = path.read_bytes()
    first = tvc("commit", "-q", "models/w.npy", "--tag", "v1").stdout.strip()
    make_weights(path, bump_rows=10)
    v2 = path.read_bytes()
    second = tvc("commit", "-q", "models/w.npy").stdout.strip()
    return v1, v2, [first, second]


def test_checkout_rev_restores_bytes_and_pointer(repo_dir: Path, tvc, two_versions) -> None:
    v1, v2, ids = two_versions
    out = tvc("checkout", "models/w.npy@v1").stdout
    assert out == f"Checked out models/w.npy@{ids[0][:12]} to models/w.npy\n"
    assert (repo_dir / "models/w.npy").read_bytes() == v1
    assert ids[0] in (repo_dir / "models/w.npy.tvc").read_text()
    tvc("checkout", "models/w.npy@main")
    assert (repo_dir / "models/w.npy").read_bytes() == v2


def test_checkout_path_follows_the_pointer(repo_dir: Path, tvc, two_versions) -> None:
    _v1, v2, ids = two_versions
    (repo_dir / "models/w.npy").unlink()
    assert tvc("status").stdout == "missing: models/w.npy\n"
    out = tvc("checkout", "models/w.npy").stdout
    assert ids[1][:12] in out and (repo_dir / "models/w.npy").read_bytes() == v2
    assert tvc("status").stdout == "All tracked models match their pointers.\n"


def test_checkout_to_another_path(repo_dir: Path, tvc, two_versions) -> None:
    v1, v2, _ids = two_versions
    tvc("checkout", "models/w.npy@v1", "-o", "old.npy")
    assert (repo_dir / "old.npy").read_bytes() == v1 and (repo_dir / "models/w.npy").read_bytes() == v2
    assert not (repo_dir / "old.npy.tvc").exists()


def test_status_text_and_json(repo_dir: Path, tvc, two_versions) -> None:
    _v1, _v2, ids = two_versions
    with open(repo_dir / "models/w.npy", "r+b") as f:
        f.seek(500)
        f.write(b"\xff\xff")
    assert tvc("status").stdout == "modified: models/w.npy\n"
    entries = json.loads(tvc("status", "--json").stdout)
    assert entries == [{"path": "models/w.npy", "name": "models/w.npy", "commit": ids[1], "state": "modified"}]


def test_checkout_refuses_to_overwrite_local_changes_without_force(repo_dir: Path, tvc, two_versions, error_line) -> None:
    v1, _v2, _ids = two_versions
    path = repo_dir / "models/w.npy"
    path.write_bytes(b"my local experiment")
    result = tvc("checkout", "models/w.npy@v1", code=1)
    assert "overwritten" in error_line(result.stderr) and result.stdout == ""
    assert path.read_bytes() == b"my local experiment"
    tvc("checkout", "models/w.npy@v1", "--force")
    assert path.read_bytes() == v1


def test_status_with_nothing_tracked(repo_dir: Path, tvc) -> None:
    assert "No tracked models" in tvc("status").stdout
    assert json.loads(tvc("status", "--json").stdout) == []


def test_checkout_quiet(repo_dir: Path, tvc, two_versions) -> None:
    assert tvc("checkout", "-q", "models/w.npy@v1").stdout == ""
    assert re.search("v1", tvc("log", "models/w.npy").stdout)
