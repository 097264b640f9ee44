"""What a file parser reports: where each tensor's bytes sit in the file.

A ``FileLayout`` lets chunk planning cut at tensor boundaries and lets the manifest
index tensors inside files. Every parser builds its spans and hands them to
``finish``, which enforces the invariants in one place, so a malformed header can
only ever turn a file opaque, never produce a span pointing outside it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# dtypes numpy has no standard ``.str`` for; named as ml_dtypes names them.
_EXTENDED_ITEMSIZE: dict[str, int] = {
    "bfloat16": 2,
    "float8_e4m3fn": 1,
    "float8_e5m2": 1,
}


@dataclass(frozen=True)
class TensorSpan:
    """One tensor stored as C-order contiguous bytes at ``[offset, offset + nbytes)``."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    offset: int
    nbytes: int


@dataclass(frozen=True)
class FileLayout:
    """The format of a file and its tensors, sorted by offset and non-overlapping."""

    format: str
    size: int
    tensors: tuple[TensorSpan, ...]


def opaque(size: int) -> FileLayout:
    """A file whose structure is not understood: the caller chunks it by content."""
    return FileLayout("opaque", size, ())


def dtype_itemsize(dtype: str) -> int | None:
    """Bytes per element of a span dtype string, or None if it is not one we emit."""
    if dtype in _EXTENDED_ITEMSIZE:
        return _EXTENDED_ITEMSIZE[dtype]
    if len(dtype) >= 3 and dtype[0] in "<>|" and dtype[1] in "biufc" and dtype[2:].isdigit():
        return int(dtype[2:])
    return None


def span_nbytes(dtype: str, shape: tuple[int, ...]) -> int | None:
    itemsize = dtype_itemsize(dtype)
    if itemsize is None:
        return None
    return math.prod(shape) * itemsize


def finish(format: str, size: int, spans: Iterable[TensorSpan]) -> FileLayout:
    """Sort, validate and wrap spans; any violation means the file is opaque.

    Empty tensors are dropped: they own no bytes, so they cannot guide chunking.
    """
    kept = sorted((s for s in spans if s.nbytes > 0), key=lambda s: s.offset)
    names: set[str] = set()
    end = 0
    for span in kept:
        if span.name in names or span.offset < end or span.offset + span.nbytes > size:
            return opaque(size)
        if any(d < 0 for d in span.shape) or span_nbytes(span.dtype, span.shape) != span.nbytes:
            return opaque(size)
        names.add(span.name)
        end = span.offset + span.nbytes
    return FileLayout(format, size, tuple(kept))
