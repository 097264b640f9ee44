"""Reading an object's tensors back: all of them, some of them, or mapped in place.

A full read decodes every chunk straight into one buffer (in parallel, each
verified there) and hands out aligned, writeable views of it; a partial read fetches
only the chunks covering the tensors asked for. With ``mmap``, a tensor lying in
one raw chunk of a local store is mapped from the chunk's file instead (after its
bytes are checked against the chunk's hash), so its pages stay shared and are
read only when touched.
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import cast

import numpy as np

from store.backend import LocalBackend
from store.codecs import Raw
from store.errors import CorruptObjectError, StoreError
from store.objects import Entry, Kind, ObjectDB, TensorRecord, dtype_of, hash_bytes, object_key
from store.objects.header import HEADER_SIZE

WORKERS = max(2, min(8, os.cpu_count() or 2))


class StoredTensors:
    """The tensors of one stream entry, read on demand (the adapters' ``TensorSource``)."""

    def __init__(self, db: ObjectDB, entry: Entry, mmap: bool = False) -> None:
        self._db = db
        self._entry = entry
        self._mmap = mmap and isinstance(db.backend, LocalBackend)
        self._verified: set[str] = set()

    def names(self) -> list[str]:
        tensors = self._entry.tensors
        return sorted(tensors, key=lambda n: tensors[n].offset)

    def read(self, names: Collection[str]) -> dict[str, np.ndarray]:
        entry = self._entry
        unknown = [n for n in names if n not in entry.tensors]
        if unknown:
            raise StoreError(f"no tensor {', '.join(map(repr, unknown[:10]))} in this version")
        records = {n: entry.tensors[n] for n in names}
        out: dict[str, np.ndarray] = {}
        if self._mmap:
            for name, record in records.items():
                mapped = self._map(record)
                if mapped is not None:
                    out[name] = mapped
        rest = {n: r for n, r in records.items() if n not in out}
        needed = sorted({i for r in rest.values() for i in self._chunk_indices(r)})
        if len(needed) == len(entry.chunks):
            buffer = self._fill()
            out.update((n, _view(buffer, r)) for n, r in rest.items())
        else:
            out.update(self._assemble(rest, needed))
        return {n: out[n] for n in names}

    def _chunk_indices(self, record: TensorRecord) -> range:
        """Indices of the chunks holding the tensor's bytes."""
        if record.nbytes == 0:
            return range(0)
        offsets = self._entry.chunk_offsets
        return range(bisect_right(offsets, record.offset) - 1, bisect_left(offsets, record.offset + record.nbytes))

    def _fetch(self, index: int) -> bytes:
        return self._db.get(self._entry.chunks[index].id, Kind.CHUNK)

    def _fill(self) -> np.ndarray:
        """The whole stream in one buffer, every chunk decoded in place, in parallel."""
        entry = self._entry
        buffer = np.empty(entry.size, dtype=np.uint8)

        def decode(index: int) -> None:
            start, stop = entry.chunk_offsets[index], entry.chunk_offsets[index + 1]
            self._db.get_into(entry.chunks[index].id, memoryview(buffer[start:stop]), Kind.CHUNK)

        with ThreadPoolExecutor(min(WORKERS, max(1, len(entry.chunks)))) as pool:
            list(pool.map(decode, range(len(entry.chunks))))
        return buffer

    def _assemble(self, records: dict[str, TensorRecord], indices: list[int]) -> dict[str, np.ndarray]:
        """Each tensor in its own array, from just the chunks that cover it."""
        with ThreadPoolExecutor(min(WORKERS, max(1, len(indices)))) as pool:
            chunks = dict(zip(indices, pool.map(self._fetch, indices)))
        offsets = self._entry.chunk_offsets
        out = {}
        for name, record in records.items():
            flat = np.empty(record.nbytes, dtype=np.uint8)
            lo, hi = record.offset, record.offset + record.nbytes
            for i in self._chunk_indices(record):
                a, b = max(lo, offsets[i]), min(hi, offsets[i + 1])
                flat[a - lo : b - lo] = np.frombuffer(chunks[i], dtype=np.uint8, count=b - a, offset=a - offsets[i])
            out[name] = _view(flat, record, base=record.offset)
        return out

    def _map(self, record: TensorRecord) -> np.ndarray | None:
        """A read-only memory map of the tensor, if it lies in one raw chunk of a local store."""
        covering = self._entry.chunks_covering(record.offset, record.offset + record.nbytes)
        if len(covering) != 1:
            return None
        chunk_start, chunk = covering[0]
        dtype = dtype_of(record.dtype)
        within = HEADER_SIZE + record.offset - chunk_start
        if not self._db.has(chunk.id):
            return None  # a partial clone fetches it instead
        header = self._db.header(chunk.id)
        if header.codec_id != Raw.codec_id or header.kind != Kind.CHUNK or header.raw_length != chunk.size or within % dtype.alignment:
            return None
        path = cast(LocalBackend, self._db.backend).path(object_key(chunk.id))
        self._verify(chunk.id, path, chunk.size)
        return np.memmap(path, dtype=dtype, mode="r", offset=within, shape=record.shape, order=record.order)

    def _verify(self, oid: str, path: Path, size: int) -> None:
        """Hash the mapped chunk once, as every read from the store is verified."""
        if oid in self._verified:
            return
        if path.stat().st_size != HEADER_SIZE + size or hash_bytes(np.memmap(path, dtype=np.uint8, mode="r", offset=HEADER_SIZE, shape=(size,))) != oid:
            raise CorruptObjectError(oid, "mapped content does not match its hash")
        self._verified.add(oid)


def _view(buffer: np.ndarray, record: TensorRecord, base: int = 0) -> np.ndarray:
    start = record.offset - base
    return buffer[start : start + record.nbytes].view(dtype_of(record.dtype)).reshape(record.shape, order=record.order)
