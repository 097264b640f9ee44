"""An object's tensors laid out as one byte stream, without copying them into one.

Each tensor starts at a multiple of ``ALIGN`` (zero padding between), so a tensor
read back as a view of a buffer, or mapped from a chunk file after its 16-byte
header, is aligned for any dtype. A Fortran-ordered array is stored as it lies in
memory (its index records ``order: "F"``), so it comes back, or is mapped, in its
own layout without a copy. The stream is virtual: slicing it returns a view
of the one tensor a range lies in, or assembles the few small tensors a group
chunk holds, so committing a model does not hold a second copy of it.

Chunk planning is the files' (``plan_pieces``): rows of big tensors, groups of
small ones closing at layer boundaries. With ``mmap`` every tensor of 256 KiB or
more instead becomes one raw chunk, because only a tensor that lies in a single
uncompressed chunk can be memory-mapped from the store.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import replace

import blake3
import numpy as np

from store.adapters.files import TensorSpan
from store.ingest import Piece, plan_pieces
from store.objects import dtype_name
from store.objects.chunking import DEFAULT_POLICY, ChunkingPolicy

ALIGN = 64


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN


class TensorStream:
    """Tensors at aligned offsets of a virtual stream; ``stream[a:b]`` is those bytes."""

    def __init__(self, tensors: Mapping[str, np.ndarray]) -> None:
        spans: list[TensorSpan] = []
        flats: list[np.ndarray] = []
        self.records: list[tuple[str, str, tuple[int, ...], str]] = []  # (name, dtype, shape, order)
        offset = 0
        for name, array in tensors.items():
            order = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
            memory = array.T if order == "F" else np.ascontiguousarray(array)  # C-contiguous either way
            flat = memory.reshape(-1).view(np.uint8)
            if flat.nbytes:
                offset = _aligned(offset)
            dtype = dtype_name(array.dtype)
            spans.append(TensorSpan(name, dtype, tuple(memory.shape), offset, flat.nbytes))  # rows as laid out
            self.records.append((name, dtype, tuple(array.shape), order))
            flats.append(flat)
            offset += flat.nbytes
        self.spans = tuple(spans)
        self._flats = tuple(flats)
        self._starts = [s.offset for s in spans]
        self.size = offset

    def __len__(self) -> int:
        return self.size

    def tensor_bytes(self, index: int) -> memoryview:
        return memoryview(self._flats[index])

    def __getitem__(self, key: slice) -> memoryview | bytearray:
        start, stop, _ = key.indices(self.size)
        first = max(0, bisect_right(self._starts, start) - 1)
        span = self.spans[first] if self.spans else None
        if span is not None and span.offset <= start and stop <= span.offset + span.nbytes:
            return self.tensor_bytes(first)[start - span.offset : stop - span.offset]
        out = bytearray(max(0, stop - start))
        for i in range(first, len(self.spans)):
            span = self.spans[i]
            if span.offset >= stop:
                break
            a, b = max(start, span.offset), min(stop, span.offset + span.nbytes)
            if a < b:
                out[a - start : b - start] = self.tensor_bytes(i)[a - span.offset : b - span.offset]
        return out

    def holds_tensor_bytes(self, start: int, stop: int) -> bool:
        """Does ``[start, stop)`` overlap any tensor's bytes (rather than padding only)?"""
        for i in range(max(0, bisect_right(self._starts, start) - 1), len(self.spans)):
            span = self.spans[i]
            if span.offset >= stop:
                return False
            if span.nbytes and span.offset + span.nbytes > start:
                return True
        return False

    def hash(self) -> str:
        """BLAKE3 of the whole stream, padding included, fed tensor by tensor."""
        hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
        position = 0
        for span, flat in zip(self.spans, self._flats):
            hasher.update(bytes(span.offset - position))
            hasher.update(flat)
            position = span.offset + span.nbytes
        return hasher.hexdigest()


def plan(stream: TensorStream, mmap: bool, policy: ChunkingPolicy = DEFAULT_POLICY) -> list[Piece]:
    """Chunk boundaries for the stream; with ``mmap``, each big tensor is one raw piece.

    Tensors under the chunk target are grouped (closing at layer boundaries, as for
    files), so a forest is about one chunk per tree rather than three: fewer
    objects to fetch and verify on load, the same per-tree sharing across versions.
    """
    if not mmap:
        return _merge_padding(plan_pieces(stream, stream.spans, replace(policy, minimum=policy.target)), stream)  # type: ignore[arg-type]
    big = {s.offset: s for s in stream.spans if s.nbytes >= policy.minimum}  # planned as rows of their own
    pieces: list[Piece] = []
    covered = 0
    for piece in plan_pieces(stream, stream.spans, policy):  # type: ignore[arg-type]
        owner = big.get(piece.start)
        if owner is not None:
            pieces.append(Piece(owner.offset, owner.offset + owner.nbytes, owner.dtype, compress=False))
            covered = owner.offset + owner.nbytes
        elif piece.start >= covered:
            pieces.append(piece)
    return _merge_padding(pieces, stream)


def _merge_padding(pieces: list[Piece], stream: TensorStream) -> list[Piece]:
    """Padding between tensors joins the piece before it instead of being a chunk of its own.

    (File formats keep gaps out of groups because headers change on their own;
    padding here depends only on where the piece before it ends, which is fixed by
    that piece's content, so it travels with it.)
    """
    out: list[Piece] = []
    for piece in pieces:
        if out and not stream.holds_tensor_bytes(piece.start, piece.stop):
            last = out[-1]
            out[-1] = Piece(last.start, piece.stop, last.dtype, last.compress)
        else:
            out.append(piece)
    return out
