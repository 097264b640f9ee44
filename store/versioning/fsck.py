"""fsck: is every object intact, and which versions can no longer be rebuilt?

Every object in the store is decoded and hashed once (in a few threads: blake3
and zstd release the GIL), then every ref's history is walked so a damaged
chunk is reported as the (model, commit) versions it breaks, which is what a
user needs to know to re-push or re-commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from store.errors import CorruptRefError, ObjectNotFoundError, StoreError
from store.objects.db import ObjectDB, decode_object
from store.objects.header import Header, Kind
from store.objects.manifest import Manifest
from store.versioning.commits import CommitStore
from store.versioning.refs import RefStore, describe

DEFAULT_WORKERS = 4
MISSING = "missing"


@dataclass(frozen=True)
class BadRef:
    model: str
    kind: str
    name: str
    commit: str | None  # None when the ref's content is not a commit id
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "kind": self.kind, "name": self.name, "commit": self.commit, "reason": self.reason}


@dataclass
class FsckReport:
    checked: int = 0  # objects decoded and hashed
    corrupt: dict[str, str] = field(default_factory=dict)  # id -> reason
    missing: list[str] = field(default_factory=list)  # referenced but absent
    broken: list[tuple[str, str]] = field(default_factory=list)  # (model, commit id) that cannot be rebuilt
    bad_refs: list[BadRef] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.corrupt or self.missing or self.broken or self.bad_refs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "corrupt": [{"id": oid, "reason": why} for oid, why in sorted(self.corrupt.items())],
            "missing": sorted(self.missing),
            "broken": [{"model": m, "commit": c} for m, c in sorted(self.broken)],
            "bad_refs": [r.to_dict() for r in self.bad_refs],
        }


def _reason(exc: StoreError) -> str:
    """The message without its "run 'tvc fsck'" hint: we are fsck."""
    return str(exc.args[0]) if exc.args else str(exc)


class _Verifier:
    """Verifies each object at most once; remembers ``None`` (ok), ``MISSING`` or a corruption reason."""

    def __init__(self, db: ObjectDB, workers: int) -> None:
        self.db = db
        self.workers = workers
        self.status: dict[str, str | None] = {}
        self.kinds: dict[str, Kind] = {}  # of the objects that verified

    def _check(self, oid: str) -> str | None:
        try:
            stored = self.db.read_stored(oid)
            decode_object(oid, stored)
        except ObjectNotFoundError:
            return MISSING
        except StoreError as exc:
            return _reason(exc)
        self.kinds[oid] = Header.unpack(stored).kind
        return None

    def verify_many(self, oids: Iterable[str]) -> None:
        todo = [o for o in dict.fromkeys(oids) if o not in self.status]
        if len(todo) <= 1 or self.workers <= 1:
            for oid in todo:
                self.status[oid] = self._check(oid)
            return
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="tvc-fsck") as pool:
            for oid, result in zip(todo, pool.map(self._check, todo)):
                self.status[oid] = result

    def verify(self, oid: str) -> str | None:
        self.verify_many([oid])
        return self.status[oid]

    def mark_corrupt(self, oid: str, reason: str) -> None:
        """An object that hashes fine but is not what its referrer needs (wrong kind, bad schema)."""
        self.status[oid] = reason


class _Walker:
    """Walks histories, memoizing per commit and per manifest whether a version is whole."""

    def __init__(self, verifier: _Verifier, commits: CommitStore) -> None:
        self.v = verifier
        self.commits = commits
        self.manifest_ok: dict[str, bool] = {}
        self.seen: set[tuple[str, str]] = set()
        self.broken: set[tuple[str, str]] = set()

    def walk(self, model: str, head: str) -> None:
        stack = [head]
        while stack:
            oid = stack.pop()
            if (model, oid) in self.seen:
                continue
            self.seen.add((model, oid))
            whole, parents = self._commit(oid)
            if not whole:
                self.broken.add((model, oid))
            stack.extend(parents)

    def _commit(self, oid: str) -> tuple[bool, tuple[str, ...]]:
        if self.v.verify(oid) is not None:
            return False, ()
        try:
            commit = self.commits.get(oid)
        except StoreError as exc:  # wrong kind or invalid schema: hashes fine, still unusable
            self.v.mark_corrupt(oid, _reason(exc))
            return False, ()
        return self._manifest(commit.manifest), commit.parents

    def _manifest(self, mid: str) -> bool:
        if mid in self.manifest_ok:
            return self.manifest_ok[mid]
        whole = False
        if self.v.verify(mid) is None:
            try:
                manifest = Manifest.from_bytes(self.v.db.get(mid, expect=Kind.MANIFEST))
            except StoreError as exc:
                self.v.mark_corrupt(mid, _reason(exc))
            else:
                chunks = manifest.chunk_ids()
                self.v.verify_many(chunks)
                for c in chunks:  # the kind is not part of the hash: a flipped kind byte hashes fine
                    if self.v.status[c] is None and (kind := self.v.kinds.get(c)) != Kind.CHUNK:
                        what = kind.name.lower() if kind is not None else "object of unknown kind"
                        self.v.mark_corrupt(c, f"object {c[:12]} is corrupt: is a {what}, expected a chunk")
                whole = all(self.v.status[c] is None for c in chunks)
        self.manifest_ok[mid] = whole
        return whole


def check_store(db: ObjectDB, refs: RefStore, commits: CommitStore, workers: int = DEFAULT_WORKERS) -> FsckReport:
    """Verify every object, then every ref's history; see ``FsckReport``."""
    verifier = _Verifier(db, workers)
    verifier.verify_many(db)
    walker = _Walker(verifier, commits)
    bad_refs: list[BadRef] = []
    for model, kind, name in refs.names():
        try:
            head = refs.get(model, kind, name)
        except CorruptRefError as exc:
            bad_refs.append(BadRef(model, kind, name, None, _reason(exc)))
            continue
        if head is None:  # deleted while we looked
            continue
        if verifier.verify(head) == MISSING:
            bad_refs.append(BadRef(model, kind, name, head, f"{describe(model, kind, name)} points to missing commit {head[:12]}"))
        else:
            try:
                owner = commits.get(head).name
            except StoreError:
                owner = model  # corrupt: reported as a corrupt object and a broken version
            if owner != model:
                bad_refs.append(
                    BadRef(model, kind, name, head, f"{describe(model, kind, name)} points to a commit of model '{owner}'")
                )
        walker.walk(model, head)
    report = FsckReport(checked=sum(1 for s in verifier.status.values() if s != MISSING))
    for oid, status in verifier.status.items():
        if status == MISSING:
            report.missing.append(oid)
        elif status is not None:
            report.corrupt[oid] = status
    report.missing.sort()
    report.broken = sorted(walker.broken)
    report.bad_refs = bad_refs
    return report
