"""Accounting helpers for live-model tests: what the store holds, what a chunk costs."""

from __future__ import annotations

from store.codecs import encode_best
from store.objects.header import HEADER_SIZE

KiB = 1 << 10


def stored_bytes(repo) -> int:
    return sum(repo.db.stored_size(oid) for oid in repo.db)


def compressed_size(data: bytes, dtype: str | None) -> int:
    """What one chunk holding exactly ``data`` costs in the store: header plus best payload."""
    return HEADER_SIZE + len(encode_best(data, dtype)[1])
