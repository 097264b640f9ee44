"""The whole-file hash cache: trusted only while the file is provably unchanged."""

from __future__ import annotations

import os
import time

from store.hashcache import HashCache
from store.objects import hash_file


def test_cached_hash_follows_every_change(tmp_path):
    cache = HashCache(tmp_path / "cache.json", tmp_path / "tmp")
    path = tmp_path / "model.bin"
    path.write_bytes(b"a" * 1000)
    old = time.time() - 10
    os.utime(path, (old, old))
    assert cache.hash_file(path) == hash_file(path)
    assert (tmp_path / "cache.json").exists()

    path.write_bytes(b"b" * 1000)  # same size, new mtime
    assert cache.hash_file(path) == hash_file(path)
    os.utime(path, (old, old))  # same size and mtime as before, but the ctime moved
    assert HashCache(tmp_path / "cache.json", tmp_path / "tmp").hash_file(path) == hash_file(path)


def test_cache_is_used_when_nothing_changed(tmp_path, monkeypatch):
    cache = HashCache(tmp_path / "cache.json", tmp_path / "tmp")
    path = tmp_path / "model.bin"
    path.write_bytes(os.urandom(4096))
    old = time.time() - 10
    os.utime(path, (old, old))
    digest = cache.hash_file(path)
    monkeypatch.setattr("store.hashcache.hash_file", lambda p: "not read again")
    assert HashCache(tmp_path / "cache.json", tmp_path / "tmp").hash_file(path) == digest


def test_a_file_written_this_instant_is_not_cached(tmp_path):
    cache = HashCache(tmp_path / "cache.json", tmp_path / "tmp")
    path = tmp_path / "fresh.bin"
    path.write_bytes(b"x")
    cache.hash_file(path)
    assert not (tmp_path / "cache.json").exists()


def test_a_corrupt_cache_file_is_ignored(tmp_path):
    (tmp_path / "cache.json").write_text("{not json")
    path = tmp_path / "m.bin"
    path.write_bytes(b"abc")
    assert HashCache(tmp_path / "cache.json", tmp_path / "tmp").hash_file(path) == hash_file(path)
