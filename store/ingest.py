"""Files and folders into objects: plan chunk boundaries, then hash, compress, store.

The planner follows tensors where a file format is understood (``describe_file``)
and cuts the bytes in between by content. Work is streamed from an mmap of the
file with a bounded number of chunks in flight, so memory stays flat whatever the
file size; hashing and zstd release the GIL, so chunks are encoded in parallel.
"""

from __future__ import annotations

import mmap
import os
import stat
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from store.adapters.files import TensorSpan, describe_file
from store.errors import PathNotFoundError, StoreError
from store.objects import ChunkRef, Entry, Kind, Manifest, ObjectDB, PutResult, TensorRecord, hash_bytes, hash_file
from store.objects.chunking import DEFAULT_POLICY, ChunkingPolicy, cdc_cuts, row_cuts
from store.objects.manifest import dtype_of
from store.progress import NO_PROGRESS, Progress

#: A group of small tensors closes at a layer boundary once it holds this much, so a
#: changed layer drags at most this many bytes of unchanged neighbours into new chunks.
GROUP_SOFT_LIMIT = 64 << 10
#: Gaps between tensors (format metadata) up to this size travel inside a group.
GROUPABLE_GAP = 64 << 10
WORKERS = max(2, min(8, os.cpu_count() or 2))


@dataclass(frozen=True)
class Piece:
    start: int
    stop: int
    dtype: str | None  # codec hint: the dtype of the tensor bytes it holds, if uniform
    compress: bool = True  # False: stored raw, so the chunk's file can be memory-mapped


@dataclass
class IngestStats:
    new_objects: int = 0
    new_bytes: int = 0
    chunks: int = 0
    raw_bytes: int = 0

    def add(self, put: PutResult) -> None:
        self.chunks += 1
        self.raw_bytes += put.raw_bytes
        if put.is_new:
            self.new_objects += 1
            self.new_bytes += put.stored_bytes


def _layer(name: str) -> str:
    return name.rsplit("/", 1)[0] if "/" in name else ""


def plan_pieces(data: memoryview, tensors: Sequence[TensorSpan], policy: ChunkingPolicy = DEFAULT_POLICY) -> list[Piece]:
    """Cut ``data`` into pieces: rows of big tensors, groups of small ones, CDC between.

    A small gap (format metadata) joins a group only between two of its tensors:
    the header before a group or the trailer after it changes for reasons of its
    own (a renamed layer, a new optimizer slot) and must not drag tensors along.
    """
    pieces: list[Piece] = []
    group: list[tuple[int, int, str | None, str | None]] = []  # (start, stop, dtype, layer); dtype None = gap
    pending_gap: tuple[int, int] | None = None

    def close_group() -> None:
        nonlocal pending_gap
        if group:
            dtypes = {g[2] for g in group}
            pieces.append(Piece(group[0][0], group[-1][1], dtypes.pop() if len(dtypes) == 1 else None))
            group.clear()
        if pending_gap is not None:
            pieces.append(Piece(*pending_gap, None))
            pending_gap = None

    def add_small_tensor(span: TensorSpan) -> None:
        nonlocal pending_gap
        layer = _layer(span.name)
        if group:
            size = (pending_gap or group[-1])[1] - group[0][0]
            crosses_layer = group[-1][3] != layer
            if size + span.nbytes > policy.target or (crosses_layer and size >= GROUP_SOFT_LIMIT):
                close_group()
        if pending_gap is not None:
            if group:
                group.append((*pending_gap, None, None))
            else:
                pieces.append(Piece(*pending_gap, None))
            pending_gap = None
        group.append((span.offset, span.offset + span.nbytes, span.dtype, layer))

    def opaque(start: int, stop: int) -> None:
        nonlocal pending_gap
        if stop - start <= GROUPABLE_GAP:
            pending_gap = (start, stop)
            return
        close_group()
        pieces.extend(Piece(start + off, start + off + length, None) for off, length in cdc_cuts(data[start:stop], policy))

    pos = 0
    for span in tensors:
        if span.offset > pos:
            opaque(pos, span.offset)
        if span.nbytes < policy.minimum:
            add_small_tensor(span)
        else:
            close_group()
            rows = span.shape[0] if span.shape else 1
            itemsize = dtype_of(span.dtype).itemsize
            row_bytes = span.nbytes // rows if rows else span.nbytes
            for off, length in row_cuts(span.nbytes, row_bytes, itemsize, policy):
                pieces.append(Piece(span.offset + off, span.offset + off + length, span.dtype))
        pos = max(pos, span.offset + span.nbytes)
    if pos < len(data):
        opaque(pos, len(data))
    close_group()
    return pieces


def store_pieces(db: ObjectDB, data: memoryview, pieces: Sequence[Piece], stats: IngestStats, progress: Progress) -> list[ChunkRef]:
    """Hash, compress and store each piece of ``data`` concurrently; chunk refs in order."""
    refs: list[ChunkRef] = []
    window: deque[tuple[Piece, Future[PutResult]]] = deque()
    with ThreadPoolExecutor(WORKERS) as pool:

        def drain_one() -> None:
            piece, future = window.popleft()
            put = future.result()
            stats.add(put)
            refs.append(ChunkRef(put.oid, piece.stop - piece.start))
            progress.advance(piece.stop - piece.start)

        for piece in pieces:
            window.append((piece, pool.submit(db.put, data[piece.start : piece.stop], Kind.CHUNK, piece.dtype, piece.compress)))
            if len(window) >= 2 * WORKERS:
                drain_one()
        while window:
            drain_one()
    return refs


def _tensor_records(data: memoryview, tensors: Sequence[TensorSpan]) -> dict[str, TensorRecord]:
    return {
        t.name: TensorRecord(t.dtype, t.shape, t.offset, t.nbytes, hash_bytes(data[t.offset : t.offset + t.nbytes]))
        for t in tensors
    }


def ingest_file(
    db: ObjectDB,
    path: Path,
    rel_path: str,
    stats: IngestStats,
    progress: Progress = NO_PROGRESS,
    file_hash: Callable[[Path], str] = hash_file,
) -> Entry:
    before = path.stat()
    layout = describe_file(path)
    progress.begin(rel_path or path.name, before.st_size)
    whole = file_hash(path)
    if before.st_size == 0:
        entry = Entry(rel_path, 0, whole, layout.format, (), {}, stat.S_IMODE(before.st_mode))
    else:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            data = memoryview(mm)
            try:
                pieces = plan_pieces(data, layout.tensors)
                chunks = store_pieces(db, data, pieces, stats, progress)
                tensors = _tensor_records(data, layout.tensors)
            finally:
                data.release()
        entry = Entry(rel_path, before.st_size, whole, layout.format, tuple(chunks), tensors, stat.S_IMODE(before.st_mode))
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise StoreError(f"{path} changed while it was being committed", hint="commit it again once it is written")
    progress.end()
    return entry


def _folder_files(root: Path) -> Iterator[tuple[Path, str]]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            full = Path(dirpath) / name
            if full.is_file():
                yield full, full.relative_to(root).as_posix()


def ingest_path(
    db: ObjectDB, path: Path, progress: Progress = NO_PROGRESS, file_hash: Callable[[Path], str] = hash_file
) -> tuple[Manifest, IngestStats]:
    """Store a file or a folder byte-exactly; the manifest is returned, not yet stored.

    ``file_hash`` gives whole-file hashes (a cache of them, say).
    """
    stats = IngestStats()
    if path.is_file():
        return Manifest("file", (ingest_file(db, path, "", stats, progress, file_hash),)), stats
    if path.is_dir():
        entries = tuple(ingest_file(db, full, rel, stats, progress, file_hash) for full, rel in _folder_files(path))
        return Manifest("folder", entries), stats
    raise PathNotFoundError(f"{path} does not exist or is not a regular file or folder")
