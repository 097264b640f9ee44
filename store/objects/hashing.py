"""Object identity: the full 64-hex BLAKE3 of the raw (uncompressed) bytes."""

from __future__ import annotations

import os
import re

import blake3

OID_RE = re.compile(r"^[0-9a-f]{64}$")

#: blake3 spreads big inputs over threads itself; below this, one thread is faster.
_THREADED_FROM = 1 << 20


def hash_bytes(data: bytes | memoryview) -> str:
    threads = blake3.blake3.AUTO if len(data) >= _THREADED_FROM else 1
    return blake3.blake3(data, max_threads=threads).hexdigest()


def hash_file(path: str | os.PathLike[str]) -> str:
    """Whole-file hash via mmap, multithreaded, without reading the file into memory."""
    hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
    if os.path.getsize(path):
        hasher.update_mmap(path)
    return hasher.hexdigest()


def is_oid(text: str) -> bool:
    return bool(OID_RE.match(text))
