"""Whole-file hashes remembered by file identity, as git's index and DVC's state db do.

Re-committing or checking the status of an unchanged 200 MB file should cost a
``stat``, not a read of 200 MB. An entry is trusted only while the file's size,
mtime, ctime and inode are all unchanged, and is recorded only when the mtime was
already older than any timestamp tick when we looked, so a write landing in the
same tick as our read can never be mistaken for the content we hashed.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from store.backend.local import atomic_write
from store.objects import hash_file

#: Coarse file-system clocks tick every few ms; an mtime older than this cannot share our tick.
RACY_MARGIN_NS = 50_000_000
MAX_ENTRIES = 10_000


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


class HashCache:
    def __init__(self, file: Path, tmp_dir: Path) -> None:
        self.file = file
        self.tmp_dir = tmp_dir
        self._entries: dict[str, list] | None = None

    def _load(self) -> dict[str, list]:
        if self._entries is None:
            try:
                data = json.loads(self.file.read_text())
                self._entries = data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self._entries = {}
        return self._entries

    def hash_file(self, path: Path) -> str:
        """BLAKE3 of the file's bytes, from the cache when the file is provably unchanged."""
        key = os.fspath(path.absolute())
        before = os.stat(path)
        entries = self._load()
        cached = entries.get(key)
        if isinstance(cached, list) and len(cached) == 2 and cached[0] == _identity(before):
            return str(cached[1])
        digest = hash_file(path)
        after = os.stat(path)
        if _identity(after) == _identity(before) and time.time_ns() - before.st_mtime_ns > RACY_MARGIN_NS:
            entries[key] = [_identity(before), digest]
            if len(entries) > MAX_ENTRIES:
                for stale in list(entries)[: len(entries) - MAX_ENTRIES]:
                    del entries[stale]
            self._save(entries)
        return digest

    def _save(self, entries: dict[str, list]) -> None:
        """Last writer wins: a lost entry only costs one more hash."""
        try:
            atomic_write(self.file, json.dumps(entries).encode(), self.tmp_dir, durable=False)
        except OSError:
            pass
