import json
from collections import Counter

import numpy as np

from store.backend.local import LocalBackend
from store.objects import Kind, ObjectDB, object_key
from store.versioning import HEADS, CommitStore, RefStore, check_store
from store.versioning.refs import ref_key


def _fsck(store):
    return check_store(store.db, store.refs, store.commits)


def _flip_last_byte(store, oid):
    path = store.backend.path(object_key(oid))
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def _setup(store):
    """clf: c1 -> c2 -> c3 where c1 and c2 share a chunk (shared) and c3 does not; net: one commit."""
    rng = np.random.default_rng(0)
    shared = rng.standard_normal(1000).astype(np.float32)
    c1 = store.commit("clf", manifest=store.tensor_manifest({"shared": shared, "a": rng.standard_normal(9)}))
    c2 = store.commit("clf", manifest=store.tensor_manifest({"shared": shared, "b": rng.standard_normal(9)}))
    c3 = store.commit("clf", manifest=store.tensor_manifest({"c": rng.standard_normal(9)}))
    net = store.commit("net")
    chunk = store.chunk(shared.tobytes()).id
    return c1, c2, c3, net, chunk


def test_clean_store_is_ok(store):
    _setup(store)
    report = _fsck(store)
    assert report.ok
    assert report.checked == len(list(store.db))
    assert report.to_dict()["ok"] is True


def test_flipped_byte_in_chunk_names_broken_versions(store):
    c1, c2, c3, net, chunk = _setup(store)
    _flip_last_byte(store, chunk)
    report = _fsck(store)
    assert not report.ok
    assert list(report.corrupt) == [chunk]
    assert report.broken == sorted([("clf", c1), ("clf", c2)])
    assert report.missing == [] and report.bad_refs == []
    out = report.to_dict()
    json.dumps(out)
    assert out["corrupt"][0]["id"] == chunk  # full id
    assert {(b["model"], b["commit"]) for b in out["broken"]} == {("clf", c1), ("clf", c2)}


def test_missing_objects_and_bad_refs(store):
    c1, c2, c3, net, chunk = _setup(store)
    store.db.delete(chunk)
    ghost = "e" * 64
    store.refs.set_if_equals("clf", HEADS, "ghost", None, ghost)
    store.backend.write(ref_key("net", HEADS, "junk"), b"garbage\n")
    store.refs.set_if_equals("net", HEADS, "wrong", None, c3)  # a commit of another model
    report = _fsck(store)
    assert report.missing == sorted([chunk, ghost])
    assert ("clf", c1) in report.broken and ("clf", ghost) in report.broken
    assert ("clf", c3) not in report.broken
    bad = {(r.model, r.name): r for r in report.bad_refs}
    assert set(bad) == {("clf", "ghost"), ("net", "junk"), ("net", "wrong")}
    assert bad[("clf", "ghost")].commit == ghost and "missing" in bad[("clf", "ghost")].reason
    assert bad[("net", "junk")].commit is None
    assert "model 'clf'" in bad[("net", "wrong")].reason


def test_corrupt_commit_breaks_its_version(store):
    c1, c2, c3, net, chunk = _setup(store)
    _flip_last_byte(store, c2)
    report = _fsck(store)
    assert c2 in report.corrupt
    assert ("clf", c2) in report.broken and ("clf", c3) not in report.broken


class CountingBackend(LocalBackend):
    def __init__(self, root):
        super().__init__(root)
        self.reads = Counter()

    def read(self, key):
        self.reads[key] += 1
        return super().read(key)


def test_each_chunk_verified_once(store):
    _setup(store)
    store.refs.set_if_equals("clf", HEADS, "dev", None, store.refs.get("clf", HEADS, "main"))
    backend = CountingBackend(store.backend.root)
    db = ObjectDB(backend)
    assert check_store(db, RefStore(backend), CommitStore(db), workers=3).ok
    for oid in db:
        reads = backend.reads[object_key(oid)]
        if db.header(oid).kind == Kind.CHUNK:
            assert reads == 1, oid
        else:
            assert 1 <= reads <= 2, oid  # verified once, parsed once
