"""Objects back into files: stream verified chunks into a temp file, then rename.

A checkout never leaves a partial file: bytes go to a temp file beside the target,
the whole-file hash is checked, and only then does a rename put it in place. A
corrupt or missing chunk aborts before the target is touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import blake3

from store.errors import CorruptObjectError
from store.objects import Entry, Kind, Manifest, ObjectDB, hash_file
from store.progress import NO_PROGRESS, Progress

WORKERS = max(2, min(8, os.cpu_count() or 2))


def iter_entry_bytes(db: ObjectDB, entry: Entry) -> Iterator[bytes]:
    """The entry's chunks in order, fetched and verified a few at a time in parallel."""
    window: deque[Future[bytes]] = deque()
    with ThreadPoolExecutor(WORKERS) as pool:
        for chunk in entry.chunks:
            window.append(pool.submit(db.get, chunk.id, Kind.CHUNK))
            if len(window) >= 2 * WORKERS:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def _write_into(db: ObjectDB, entry: Entry, f, progress: Progress) -> None:
    hasher = blake3.blake3()
    for raw in iter_entry_bytes(db, entry):
        hasher.update(raw)
        f.write(raw)
        progress.advance(len(raw))
    if hasher.hexdigest() != entry.hash:
        raise CorruptObjectError(entry.hash, f"rebuilt bytes of {entry.path or 'the file'} do not match the recorded hash")
    f.flush()
    os.fsync(f.fileno())


def write_entry(db: ObjectDB, entry: Entry, dest: Path, progress: Progress = NO_PROGRESS) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    progress.begin(entry.path or dest.name, entry.size)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tvc-tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            _write_into(db, entry, f, progress)
        os.chmod(tmp, entry.mode)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    progress.end()


def restore(db: ObjectDB, manifest: Manifest, dest: Path, progress: Progress = NO_PROGRESS) -> None:
    """Write a version at ``dest``: a file replaced atomically, a folder swapped in whole."""
    if manifest.type == "file":
        write_entry(db, manifest.entries[0], dest, progress)
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tvc-tmp", dir=dest.parent))
    try:
        for entry in manifest.entries:
            write_entry(db, entry, staging / entry.path, progress)
        if dest.exists() or dest.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tvc-old", dir=dest.parent))
            os.replace(dest, old / dest.name)
            os.replace(staging, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def matches(manifest: Manifest, path: Path, file_hash: Callable[[Path], str] = hash_file) -> bool:
    """Does ``path`` hold exactly this version's bytes (and, for folders, only them)?

    ``file_hash`` gives whole-file hashes (a cache of them, say).
    """
    if manifest.type == "file":
        entry = manifest.entries[0]
        return path.is_file() and path.stat().st_size == entry.size and file_hash(path) == entry.hash
    if not path.is_dir():
        return False
    on_disk = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    if on_disk != sorted(e.path for e in manifest.entries):
        return False
    return all((path / e.path).stat().st_size == e.size and file_hash(path / e.path) == e.hash for e in manifest.entries)
