"""What a new version costs: nothing when unchanged, a chunk or two for an insert."""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

from store.objects import Kind

MiB = 1 << 20


def objects_by_kind(repo) -> Counter:
    return Counter(repo.db.header(oid).kind for oid in repo.db)


def test_recommitting_an_unchanged_100mb_file_adds_nothing(repo):
    path = repo.root / "big.bin"
    rng = np.random.default_rng(0)
    with open(path, "wb") as f:
        for _ in range(100):
            f.write(rng.bytes(MiB // 2) * 2)
    start = time.perf_counter()
    first = repo.commit(path, message="v1")
    first_seconds = time.perf_counter() - start
    files_before = sorted(p for p in (repo.control / "objects").rglob("*") if p.is_file())
    start = time.perf_counter()
    again = repo.commit(path, message="same bytes")
    again_seconds = time.perf_counter() - start
    assert not again.created and again.id == first.id
    assert sorted(p for p in (repo.control / "objects").rglob("*") if p.is_file()) == files_before
    assert again_seconds < first_seconds
    assert len(repo.log("big.bin")) == 1


def test_one_byte_inserted_near_the_start_of_a_50mb_opaque_file(repo):
    path = repo.root / "opaque.bin"
    rng = np.random.default_rng(1)
    data = rng.bytes(50 * MiB)
    path.write_bytes(data)
    repo.commit(path, message="v1")
    before = objects_by_kind(repo)
    path.write_bytes(data[:4096] + b"\x00" + data[4096:])
    v2 = repo.commit(path, message="insert")
    added = objects_by_kind(repo) - before
    assert v2.created
    assert added[Kind.CHUNK] <= 2, added
    assert added[Kind.MANIFEST] == 1 and added[Kind.COMMIT] == 1
    assert repo.checkout(f"opaque.bin@{v2.id}", out=repo.root / "check.bin").path.read_bytes() == path.read_bytes()


def test_identical_tensors_are_shared_across_models(repo):
    shared = (np.random.default_rng(2).standard_normal((1024, 1024)) * 0.02).astype(np.float32)
    np.savez(repo.root / "a.npz", backbone=shared, head=np.zeros((1024, 10), np.float32))
    repo.commit(repo.root / "a.npz")
    before = repo.du().stored_bytes
    np.savez(repo.root / "b.npz", head=np.ones((1024, 10), np.float32), backbone=shared)
    repo.commit(repo.root / "b.npz")
    assert repo.du().stored_bytes - before < 64 * 1024
