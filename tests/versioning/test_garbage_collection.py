import os
import time

import numpy as np
import pytest

from store.backend.local import LocalBackend
from store.errors import StoreError
from store.objects import Kind, Manifest, ObjectDB, object_key
from store.versioning import CommitStore, RefStore, collect_garbage, reachable, resolve


def _history(store):
    """Two commits on main, a tagged-nowhere orphan commit, and a stray chunk; returns (kept, garbage) id sets."""
    c1 = store.commit("clf")
    c2 = store.commit("clf")
    keep = {c1, c2}
    for c in (c1, c2):
        mid = store.commits.get(c).manifest
        keep |= {mid} | store.commits.manifest(c).chunk_ids()
    orphan_manifest = store.tensor_manifest({"orphan": np.full(5, 7, dtype=np.int64)})
    orphan = store.commit("clf", branch=None, manifest=orphan_manifest)
    stray = store.chunk(b"stray bytes").id
    garbage = {orphan, orphan_manifest, stray} | Manifest.from_bytes(store.db.get(orphan_manifest)).chunk_ids()
    assert keep.isdisjoint(garbage)
    return keep, garbage


def _gc(store, **kw):
    return collect_garbage(store.db, store.refs, store.commits, **kw)


def test_reachable(store):
    keep, _garbage = _history(store)
    live = reachable(store.refs, store.commits, store.db)
    assert live.objects == keep
    assert live.commits == {c for c in keep if store.db.header(c).kind == Kind.COMMIT}
    assert not live.missing and not live.unreadable


def test_dry_run_deletes_nothing(store):
    keep, garbage = _history(store)
    report = _gc(store, dry_run=True, grace_seconds=0)
    assert set(report.removed) == garbage and report.dry_run
    assert report.removed_bytes == sum(store.db.stored_size(o) for o in garbage)
    assert set(store.db) == keep | garbage


def test_gc_keeps_reachable_and_deletes_the_rest(store):
    keep, garbage = _history(store)
    report = _gc(store, dry_run=False, grace_seconds=0)
    assert set(report.removed) == garbage
    assert report.kept == len(keep)
    assert set(store.db) == keep
    for oid in keep:
        store.db.get(oid)  # still intact
    assert resolve(store.refs, store.commits, store.db, "clf@main~1").commit in keep
    assert _gc(store, dry_run=False, grace_seconds=0).removed == []


def test_grace_period_protects_young_objects(store):
    keep, garbage = _history(store)
    assert _gc(store, dry_run=False).removed == []
    old = time.time() - 7200
    victim = next(iter(garbage))
    os.utime(store.backend.path(object_key(victim)), (old, old))
    assert _gc(store, dry_run=False).removed == [victim]


class NoMtimeBackend(LocalBackend):
    """A backend that cannot tell object ages (like some object stores without listing metadata)."""

    def modified(self, key: str) -> float:
        raise NotImplementedError


def test_unknown_age_is_kept(store, tmp_path):
    _keep, garbage = _history(store)
    db = ObjectDB(NoMtimeBackend(store.backend.root))
    report = collect_garbage(db, RefStore(db.backend), CommitStore(db), dry_run=False, grace_seconds=0)
    assert report.removed == []
    assert garbage <= set(store.db)


def test_stale_tmp_files_removed(store):
    store.backend.write("tmp/stale.tmp", b"x")
    store.backend.write("tmp/fresh.tmp", b"y")
    old = time.time() - 7200
    os.utime(store.backend.path("tmp/stale.tmp"), (old, old))
    report = _gc(store, dry_run=True)
    assert report.tmp_removed == ["tmp/stale.tmp"] and store.backend.exists("tmp/stale.tmp")
    report = _gc(store, dry_run=False)
    assert report.tmp_removed == ["tmp/stale.tmp"]
    assert not store.backend.exists("tmp/stale.tmp") and store.backend.exists("tmp/fresh.tmp")


def test_missing_chunk_is_collected_not_fatal(store):
    keep, garbage = _history(store)
    head = store.refs.get("clf", "heads", "main")
    lost = next(iter(store.commits.manifest(head).chunk_ids()))
    store.db.delete(lost)
    seen = reachable(store.refs, store.commits, store.db)
    assert seen.missing == {lost} and lost in seen.objects
    report = _gc(store, dry_run=False, grace_seconds=0)
    assert set(report.removed) == garbage and report.missing == [lost]


def test_unreadable_commit_stops_gc(store):
    keep, garbage = _history(store)
    head = store.refs.get("clf", "heads", "main")
    path = store.backend.path(object_key(head))
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    commits = CommitStore(store.db)  # a fresh process: nothing cached from before the damage
    seen = reachable(store.refs, commits, store.db)  # does not raise
    assert head in seen.unreadable
    with pytest.raises(StoreError, match="gc stopped"):
        collect_garbage(store.db, store.refs, commits, dry_run=False, grace_seconds=0)
    assert keep | garbage == set(store.db)
    assert store.db.header(head).kind == Kind.COMMIT
