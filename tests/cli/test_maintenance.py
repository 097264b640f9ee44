"""du, fsck and gc, including what a damaged object looks like to a user."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

FULL_ID = re.compile(r"[0-9a-f]{64}")


@pytest.fixture
def committed(repo_dir: Path, tvc, make_weights) -> str:
    make_weights(repo_dir / "models/w.npy")
    first = tvc("commit", "-q", "models/w.npy").stdout.strip()
    make_weights(repo_dir / "models/w.npy", bump_rows=5)
    tvc("commit", "-q", "models/w.npy")
    return first


def largest_object(repo_dir: Path) -> tuple[str, Path]:
    """The biggest object file (a chunk) and its id, from its fan-out path objects/ab/cdef..."""
    path = max((p for p in (repo_dir / ".tvc/objects").rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    return path.parent.name + path.name, path


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(data))


def test_du_text_and_json(committed: str, tvc) -> None:
    out = tvc("du").stdout
    for key in ("logical", "unique", "stored", "dedup", "compression", "objects", "versions"):
        assert re.search(rf"^{key}\s", out, re.M), out
    assert re.search(r"^versions\s+2$", out, re.M) and re.search(r"^dedup\s+[\d.]+x$", out, re.M)
    report = json.loads(tvc("du", "--json").stdout)
    assert set(report) == {"logical_bytes", "unique_bytes", "stored_bytes", "objects", "versions", "dedup_ratio", "compression_ratio"}
    assert report["versions"] == 2 and report["logical_bytes"] > report["unique_bytes"] > 0


def test_fsck_ok(committed: str, tvc) -> None:
    assert re.fullmatch(r"fsck: ok \(\d+ objects verified\)\n", tvc("fsck").stdout)
    report = json.loads(tvc("fsck", "--json").stdout)
    assert report["ok"] is True and report["checked"] > 0 and report["corrupt"] == []


def test_corrupt_object_fails_checkout_and_fsck(committed: str, repo_dir: Path, tvc, error_line) -> None:
    oid, path = largest_object(repo_dir)
    flip_byte(path)
    (repo_dir / "models/w.npy").unlink()
    result = tvc("checkout", "models/w.npy", code=1)
    assert "corrupt" in error_line(result.stderr)
    assert not (repo_dir / "models/w.npy").exists()

    result = tvc("fsck", code=1)
    assert oid[:16] in result.stdout
    assert re.search(r"models/w\.npy@[0-9a-f]{12}", result.stdout)
    assert re.search(r"^fsck: \d+ problems$", result.stdout.splitlines()[-1])

    report = json.loads(tvc("fsck", "--json", code=1).stdout)
    assert report["ok"] is False
    assert [c["id"] for c in report["corrupt"]] == [oid]
    assert report["broken"] and all(b["model"] == "models/w.npy" and FULL_ID.fullmatch(b["commit"]) for b in report["broken"])


def test_gc_dry_run_and_json(committed: str, tvc) -> None:
    out = tvc("gc", "--dry-run").stdout
    assert re.fullmatch(r"Would remove 0 objects \(0 B\); \d+ kept\n", out)
    report = json.loads(tvc("gc", "--json").stdout)
    assert report["removed"] == [] and report["dry_run"] is False and report["kept"] > 0
    assert tvc("fsck").exit_code == 0


def test_gc_removes_old_unreachable_objects(committed: str, repo_dir: Path, tvc) -> None:
    import os

    stray = repo_dir / ".tvc/objects/00" / ("0" * 62)
    oid, chunk = largest_object(repo_dir)
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(chunk.read_bytes())  # an unreferenced (and misnamed) object
    os.utime(stray, (1, 1))
    report = json.loads(tvc("gc", "--dry-run", "--json").stdout)
    assert report["removed"] == ["0" * 64] and report["dry_run"] is True and stray.exists()
    assert tvc("gc").stdout.startswith("Removed 1 object (")
    assert not stray.exists()
