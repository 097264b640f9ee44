"""Lazy views of a version: read one tensor, or a few rows of it, not the model.

A ``LazyTensor`` knows its byte range inside a stream and the stream's chunk list;
slicing maps rows to bytes to the chunks covering them, fetches just those
(concurrently, verified), and cuts the rows out. (A column-major tensor, which
only object commits store, is read whole.)
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from store.objects import ChunkRef, Entry, Kind, Manifest, ObjectDB, TensorRecord, dtype_of

FETCH_WORKERS = max(2, min(8, os.cpu_count() or 2))


class LazyTensor:
    def __init__(self, db: ObjectDB, entry: Entry, record: TensorRecord, name: str) -> None:
        self._db = db
        self._entry = entry
        self._record = record
        self.name = name
        self.dtype = dtype_of(record.dtype)
        self.shape = record.shape

    @property
    def nbytes(self) -> int:
        return self._record.nbytes

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        return f"LazyTensor({self.name!r}, shape={self.shape}, dtype={self.dtype})"

    def read(self) -> np.ndarray:
        """The whole tensor."""
        return self._read_bytes(0, self.nbytes).reshape(self.shape, order=self._record.order)

    def __array__(self, dtype: np.dtype | None = None, copy: bool | None = None) -> np.ndarray:
        out = self.read()
        return out if dtype is None else out.astype(dtype)

    def __getitem__(self, key: object) -> np.ndarray:
        """Rows along the first axis are read lazily; any further indexing applies to them."""
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) and key else (key, ())
        if not self.shape or self._record.order == "F":  # column-major rows are not contiguous bytes
            return self.read()[key]
        rows = self.shape[0]
        if isinstance(first, slice):
            start, stop, step = first.indices(rows)
            if step < 0:
                return self.read()[key]
            count = max(0, math.ceil((stop - start) / step))
            block = self._rows(start, start + (count - 1) * step + 1 if count else start)
            picked = block[::step]
        elif isinstance(first, (int, np.integer)):
            index = int(first) + rows if first < 0 else int(first)
            if not 0 <= index < rows:
                raise IndexError(f"index {first} is out of bounds for axis 0 with size {rows}")
            picked = self._rows(index, index + 1)[0]
        else:
            return self.read()[key]
        return picked[rest] if rest else picked

    def _rows(self, start: int, stop: int) -> np.ndarray:
        row_bytes = self._record.row_bytes
        return self._read_bytes(start * row_bytes, stop * row_bytes).reshape((stop - start, *self.shape[1:]))

    def _read_bytes(self, start: int, stop: int) -> np.ndarray:
        """Bytes ``[start, stop)`` of the tensor as a flat array of its dtype."""
        out = np.empty(stop - start, dtype=np.uint8)
        lo, hi = self._record.offset + start, self._record.offset + stop

        def fetch(item: tuple[int, ChunkRef]) -> None:
            chunk_start, chunk = item
            a, b = max(lo, chunk_start), min(hi, chunk_start + chunk.size)
            if (a, b) == (chunk_start, chunk_start + chunk.size):  # the whole chunk: decode it in place
                self._db.get_into(chunk.id, memoryview(out[a - lo : b - lo]), Kind.CHUNK)
            else:
                raw = self._db.get(chunk.id, Kind.CHUNK)
                out[a - lo : b - lo] = np.frombuffer(raw, dtype=np.uint8, count=b - a, offset=a - chunk_start)

        covering = self._entry.chunks_covering(lo, hi)
        with ThreadPoolExecutor(min(FETCH_WORKERS, max(1, len(covering)))) as pool:
            list(pool.map(fetch, covering))
        return out.view(self.dtype)


class TensorMap(Mapping[str, LazyTensor]):
    def __init__(self, db: ObjectDB, manifest: Manifest) -> None:
        self._db = db
        self._index = manifest.tensors()

    def __getitem__(self, name: str) -> LazyTensor:
        entry, record = self._index[name]
        return LazyTensor(self._db, entry, record, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class ModelView:
    """One version, opened without reading anything but its commit and manifest."""

    def __init__(self, db: ObjectDB, name: str, commit_id: str, manifest: Manifest) -> None:
        self.name = name
        self.commit_id = commit_id
        self.manifest = manifest
        self.tensors = TensorMap(db, manifest)

    def __repr__(self) -> str:
        return f"ModelView({self.name!r}@{self.commit_id[:12]}, {len(self.tensors)} tensors)"
