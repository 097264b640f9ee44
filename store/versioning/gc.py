"""Garbage collection: delete objects no ref can reach, but never a young one.

Write order is chunks -> manifest -> commit -> ref, so a commit in progress has
objects no ref reaches yet; the grace period (by object mtime) keeps them. An
object whose age the backend cannot tell is kept. If a commit or manifest on a
ref's history cannot be read, what it references is unknown, so gc refuses to
delete anything rather than guess.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from store.backend.base import Backend
from store.errors import StoreError
from store.objects.db import ObjectDB, object_key
from store.objects.header import Kind
from store.objects.manifest import Manifest
from store.versioning.commits import CommitStore
from store.versioning.history import iter_ancestors
from store.versioning.refs import RefStore

TMP = "tmp"
DEFAULT_GRACE_SECONDS = 3600.0


@dataclass
class Reachability:
    objects: set[str] = field(default_factory=set)  # every id some ref reaches, present or not
    commits: set[str] = field(default_factory=set)  # the readable commits among them: the live versions
    missing: set[str] = field(default_factory=set)  # reached but absent from the store
    unreadable: set[str] = field(default_factory=set)  # commits/manifests missing or corrupt: what they reference is unknown


def reachable(refs: RefStore, commits: CommitStore, db: ObjectDB, extra_heads: Iterable[str] = ()) -> Reachability:
    """Commits from every ref of every model (and ``extra_heads``: remote-tracking refs), their manifests and chunks.

    A missing or corrupt object is recorded (``missing`` / ``unreadable``), never
    raised, so one bad object cannot hide what the rest of the store holds.
    """
    out = Reachability()

    def failed(oid: str, _exc: StoreError) -> None:
        out.unreadable.add(oid)
        if not db.has(oid):
            out.missing.add(oid)

    manifests: set[str] = set()
    commit_ids: set[str] = set()
    heads = {ref.commit for ref in refs.list()} | set(extra_heads)
    for oid, commit in iter_ancestors(commits, heads, on_error=failed):
        commit_ids.add(oid)
        manifests.add(commit.manifest)
    chunks: set[str] = set()
    for mid in manifests:
        try:
            chunks |= Manifest.from_bytes(db.get(mid, expect=Kind.MANIFEST)).chunk_ids()
        except StoreError as exc:
            failed(mid, exc)
    out.missing |= chunks - db.has_many(chunks)
    out.commits = commit_ids
    out.objects = commit_ids | manifests | chunks | out.unreadable
    return out


@dataclass(frozen=True)
class GcReport:
    removed: list[str]  # object ids deleted (or that would be, in a dry run)
    removed_bytes: int  # their stored (compressed) size
    kept: int  # objects left in the store
    tmp_removed: list[str] = field(default_factory=list)  # stale staging files
    missing: list[str] = field(default_factory=list)  # reachable but absent: see 'tvc fsck'
    dry_run: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "removed": self.removed,
            "removed_bytes": self.removed_bytes,
            "kept": self.kept,
            "tmp_removed": self.tmp_removed,
            "missing": self.missing,
            "dry_run": self.dry_run,
        }


def _age(backend: Backend, key: str, now: float) -> float | None:
    """Seconds since ``key`` was written, or ``None`` when unknown (then it is kept)."""
    try:
        return now - backend.modified(key)
    except (NotImplementedError, OSError):
        return None


def collect_garbage(
    db: ObjectDB,
    refs: RefStore,
    commits: CommitStore,
    dry_run: bool,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    extra_heads: Iterable[str] = (),
) -> GcReport:
    """Delete unreachable objects older than ``grace_seconds`` and stale ``tmp/`` files."""
    seen = reachable(refs, commits, db, extra_heads)
    if seen.unreadable:
        listed = ", ".join(sorted(o[:12] for o in seen.unreadable))
        raise StoreError(
            f"gc stopped: {len(seen.unreadable)} commit/manifest object(s) in the history are missing or corrupt "
            f"({listed}), "
            "so what they reference is unknown",
            hint="run 'tvc fsck' and repair the store first",
        )
    now = time.time()
    backend = db.backend
    removed: list[str] = []
    removed_bytes = 0
    kept = 0
    for oid in db:
        if oid in seen.objects:
            kept += 1
            continue
        age = _age(backend, object_key(oid), now)
        if age is None or age < grace_seconds:
            kept += 1
            continue
        try:
            size = db.stored_size(oid)
        except OSError:
            size = 0
        if not dry_run:
            db.delete(oid)
        removed.append(oid)
        removed_bytes += size
    tmp_removed = []
    for key in backend.list(TMP):
        age = _age(backend, key, now)
        if age is not None and age >= grace_seconds:
            if not dry_run:
                backend.delete(key)
            tmp_removed.append(key)
    return GcReport(sorted(removed), removed_bytes, kept, sorted(tmp_removed), sorted(seen.missing), dry_run)
