"""``Repo``: the porcelain the CLI and Python users call.

It ties the layers together in the one order that keeps a store consistent:
chunks, then manifest, then commit, then the ref (compare-and-swap), then the
pointer file. Anything that fails before the ref moves leaves only unreferenced
objects, which ``gc`` reclaims and a retry reuses.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.backend import LocalBackend
from store.backend.local import atomic_write
from store.errors import (
    InvalidNameError,
    NotARepositoryError,
    PathNotFoundError,
    StoreError,
    UnsupportedObjectError,
    WouldOverwriteError,
)
from store.ingest import ingest_path
from store.lazy import ModelView
from store.objects import Kind, Manifest, ObjectDB, hash_file
from store.objects.chunking import DEFAULT_POLICY
from store.pointers import Pointer, find_pointers, pointer_path, read_pointer, target_of, write_pointer
from store.progress import NO_PROGRESS, Progress
from store.restore import matches, restore
from store.versioning import (
    HEADS,
    TAGS,
    Commit,
    CommitStore,
    FsckReport,
    GcReport,
    RefStore,
    ResolvedRev,
    check_store,
    collect_garbage,
    create_branch,
    decorations,
    default_author,
    diff_manifests,
    environment_info,
    log,
    move_tag,
    normalize_name,
    parse_rev,
    reachable,
    record_commit,
    resolve,
)

CONTROL_DIR = ".tvc"
FORMAT_VERSION = 1
DEFAULT_BRANCH = "main"


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``.tvc/``, as git finds ``.git``."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / CONTROL_DIR / "config").is_file():
            return folder
    raise NotARepositoryError(f"not a tvc repository (or any parent up to /): {start}")


@dataclass(frozen=True)
class CommitResult:
    id: str
    name: str
    branch: str
    created: bool  # False when the content equals the branch head: nothing was added
    new_objects: int = 0
    new_bytes: int = 0
    tag: str | None = None


@dataclass(frozen=True)
class CheckoutResult:
    name: str
    commit: str
    path: Path


@dataclass(frozen=True)
class LogEntry:
    id: str
    commit: Commit
    labels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StatusEntry:
    path: str
    name: str
    commit: str
    state: str  # "clean" | "modified" | "missing"


@dataclass(frozen=True)
class DuReport:
    logical_bytes: int  # bytes of every version of every model, as files
    unique_bytes: int  # raw bytes of distinct chunks
    stored_bytes: int  # bytes on disk of every object
    objects: int
    versions: int

    @property
    def dedup_ratio(self) -> float:
        return self.logical_bytes / self.unique_bytes if self.unique_bytes else 1.0

    @property
    def compression_ratio(self) -> float:
        return self.unique_bytes / self.stored_bytes if self.stored_bytes else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "logical_bytes": self.logical_bytes,
            "unique_bytes": self.unique_bytes,
            "stored_bytes": self.stored_bytes,
            "objects": self.objects,
            "versions": self.versions,
            "dedup_ratio": round(self.dedup_ratio, 4),
            "compression_ratio": round(self.compression_ratio, 4),
        }


def _config_body() -> bytes:
    config = {
        "format_version": FORMAT_VERSION,
        "hash": "blake3",
        "chunking": DEFAULT_POLICY.to_dict(),
        "codec": {"name": "zstd", "level": 3, "float": "bytegroup-zstd"},
    }
    return (json.dumps(config, indent=2, sort_keys=True) + "\n").encode()


class Repo:
    def __init__(self, path: str | os.PathLike[str] = ".") -> None:
        self.root = find_root(Path(path))
        self.control = self.root / CONTROL_DIR
        config = self._read_config()
        self.backend = LocalBackend(self.control)
        self.db = ObjectDB(self.backend, level=int(config.get("codec", {}).get("level", 3)))
        self.refs = RefStore(self.backend)
        self.commits = CommitStore(self.db)

    @classmethod
    def init(cls, path: str | os.PathLike[str] = ".") -> Repo:
        """Create ``.tvc/`` in ``path`` (idempotent) and return the repository."""
        control = Path(path).absolute() / CONTROL_DIR
        for sub in ("objects", "refs", "tmp"):
            (control / sub).mkdir(parents=True, exist_ok=True)
        if not (control / "config").exists():
            atomic_write(control / "config", _config_body(), control / "tmp")
        return cls(path)

    def _read_config(self) -> dict[str, Any]:
        try:
            config = json.loads((self.control / "config").read_text())
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.control / 'config'} is unreadable: {exc}") from exc
        if config.get("format_version") != FORMAT_VERSION:
            raise StoreError(f"store format {config.get('format_version')} is not supported by this tvc", hint="upgrade tvc")
        return config

    # names and revisions

    def model_name_for(self, path: Path, name: str | None = None) -> str:
        if name is not None:
            return normalize_name(name)
        try:
            rel = path.absolute().relative_to(self.root)
        except ValueError:
            raise InvalidNameError(f"{path} is outside the repository at {self.root}", hint="pass --name") from None
        return normalize_name(rel.as_posix())

    def resolve(self, rev: str) -> ResolvedRev:
        return resolve(self.refs, self.commits, self.db, rev)

    def manifest(self, commit_id: str) -> Manifest:
        return self.commits.manifest(commit_id)

    # writing

    def commit(
        self,
        target: str | os.PathLike[str] | object,
        name: str | None = None,
        *,
        message: str = "",
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        tag: str | None = None,
        branch: str = DEFAULT_BRANCH,
        progress: Progress = NO_PROGRESS,
    ) -> CommitResult:
        """Record a new version of a file or folder; identical content makes no new commit."""
        if not isinstance(target, (str, os.PathLike)):
            raise UnsupportedObjectError(f"cannot commit a {type(target).__name__}: pass a file or folder path")
        path = Path(target).absolute()
        if not path.exists():
            raise PathNotFoundError(f"{target} does not exist")
        model = self.model_name_for(path, name)
        head = self.refs.get(model, HEADS, branch)
        if head is not None and self._same_as_version(path, head):
            result = CommitResult(head, model, branch, created=False, tag=tag)
        else:
            manifest, stats = ingest_path(self.db, path, progress)
            manifest_id = self.db.put(manifest.to_bytes(), Kind.MANIFEST).oid
            if head is not None and self.commits.get(head).manifest == manifest_id:
                result = CommitResult(head, model, branch, created=False, tag=tag)
            else:
                info = {"message": message, "params": dict(params or {}), "metrics": dict(metrics or {})}
                commit_id = record_commit(self.commits, self.refs, model, branch, lambda parent: self._new_commit(manifest_id, parent, model, info))
                result = CommitResult(commit_id, model, branch, True, stats.new_objects, stats.new_bytes, tag)
        if tag is not None:
            move_tag(self.refs, model, tag, result.id)
        self._write_pointer(path, model, result.id)
        return result

    def _same_as_version(self, path: Path, commit_id: str) -> bool:
        """Cheap check before chunking: one whole-file hash against the version's manifest."""
        if not path.is_file():
            return False
        manifest = self.manifest(commit_id)
        if manifest.type != "file":
            return False
        entry = manifest.entries[0]
        return path.stat().st_size == entry.size and hash_file(path) == entry.hash

    @staticmethod
    def _new_commit(manifest_id: str, parent: str | None, model: str, info: dict[str, Any]) -> Commit:
        return Commit(
            manifest=manifest_id,
            parents=(parent,) if parent else (),
            name=model,
            message=info["message"],
            author=default_author(),
            time=time.time(),
            params=info["params"],
            metrics=info["metrics"],
            environment=environment_info(),
        )

    def _write_pointer(self, path: Path, model: str, commit_id: str) -> None:
        manifest_id = self.commits.get(commit_id).manifest
        manifest = self.manifest(commit_id)
        digest = manifest.entries[0].hash if manifest.type == "file" else manifest_id
        pointer = Pointer(model, commit_id, manifest_id, manifest.size, digest)
        write_pointer(path, pointer, self.control / "tmp")

    def checkout(
        self, target: str, out: str | os.PathLike[str] | None = None, *, force: bool = False, progress: Progress = NO_PROGRESS
    ) -> CheckoutResult:
        """Write a version back byte-exactly; ``target`` is a tracked PATH or ``NAME@REV``."""
        pointer_file = pointer_path(Path(target).absolute())
        if "@" not in target and pointer_file.is_file():
            pointer = read_pointer(pointer_file)
            model, commit_id = pointer.name, pointer.commit
            dest = Path(target).absolute()
        else:
            resolved = self.resolve(target)
            model, commit_id = resolved.name, resolved.commit
            dest = self.root / model
        if out is not None:
            dest = Path(out).absolute()
        manifest = self.manifest(commit_id)
        if not force and (dest.exists() or dest.is_symlink()) and not matches(manifest, dest):
            if out is not None or not self._is_unmodified(dest):
                raise WouldOverwriteError(f"{dest} has changes that would be overwritten by {model}@{commit_id[:12]}")
        restore(self.db, manifest, dest, progress)
        if out is None:
            self._write_pointer(dest, model, commit_id)
        return CheckoutResult(model, commit_id, dest)

    def _is_unmodified(self, path: Path) -> bool:
        """Does ``path`` still hold the version its pointer names?"""
        pointer_file = pointer_path(path)
        if not pointer_file.is_file():
            return False
        return matches(self.manifest(read_pointer(pointer_file).commit), path)

    def branch(self, name: str, branch: str | None = None, rev: str | None = None) -> dict[str, str]:
        """List a model's branches, or create ``branch`` at ``rev`` (default: main's head)."""
        model = normalize_name(name)
        if branch is not None:
            start = self.resolve(rev if rev is not None and "@" in rev else f"{model}@{rev or DEFAULT_BRANCH}")
            create_branch(self.refs, model, branch, start.commit)
        return {r.name: r.commit for r in self.refs.list(model) if r.kind == HEADS}

    def tag(self, tag: str, rev: str, *, force: bool = False) -> ResolvedRev:
        resolved = self.resolve(rev)
        move_tag(self.refs, resolved.name, tag, resolved.commit, force=force)
        return resolved

    def labels(self, name: str) -> dict[str, list[str]]:
        """Branch and tag labels of a model's commits, by commit id."""
        return decorations(self.refs, normalize_name(name))

    # reading

    def log(self, name: str) -> list[LogEntry]:
        """History of ``NAME[@REV]``, newest first, with branch and tag labels."""
        model, rev = parse_rev(name)
        start = self.resolve(f"{model}@{rev}").commit
        labels = self.labels(model)
        return [LogEntry(oid, commit, labels.get(oid, [])) for oid, commit in log(self.commits, self.refs, model, start)]

    def models(self) -> list[str]:
        return self.refs.models()

    def show(self, rev: str) -> tuple[ResolvedRev, Commit, Manifest]:
        resolved = self.resolve(rev)
        commit = self.commits.get(resolved.commit)
        return resolved, commit, self.manifest(resolved.commit)

    def diff(self, a: str, b: str) -> dict[str, Any]:
        left, right = self.resolve(a), self.resolve(b)
        report = diff_manifests(self.manifest(left.commit), self.manifest(right.commit)).to_dict()
        return {"a": left.commit, "b": right.commit, **report}

    def open(self, rev: str) -> ModelView:
        """A lazy view: reads the commit and manifest now, tensor chunks only on access."""
        resolved = self.resolve(rev)
        return ModelView(self.db, resolved.name, resolved.commit, self.manifest(resolved.commit))

    def status(self) -> list[StatusEntry]:
        entries = []
        for pointer_file in find_pointers(self.root):
            pointer = read_pointer(pointer_file)
            target = target_of(pointer_file)
            rel = target.relative_to(self.root).as_posix()
            if not target.exists():
                state = "missing"
            elif target.is_file():
                same = target.stat().st_size == pointer.size and hash_file(target) == pointer.hash
                state = "clean" if same else "modified"
            else:
                state = "clean" if matches(self.manifest(pointer.commit), target) else "modified"
            entries.append(StatusEntry(rel, pointer.name, pointer.commit, state))
        return entries

    # maintenance

    def du(self) -> DuReport:
        live = reachable(self.refs, self.commits, self.db)
        logical = versions = unique = stored = objects = 0
        for oid in live.commits:
            versions += 1
            logical += self.manifest(oid).size
        for oid in self.db:
            objects += 1
            stored += self.db.stored_size(oid)
            header = self.db.header(oid)
            if header.kind == Kind.CHUNK:
                unique += header.raw_length
        return DuReport(logical, unique, stored, objects, versions)

    def fsck(self) -> FsckReport:
        return check_store(self.db, self.refs, self.commits)

    def gc(self, *, dry_run: bool = False) -> GcReport:
        return collect_garbage(self.db, self.refs, self.commits, dry_run=dry_run)


__all__ = ["HEADS", "TAGS", "CheckoutResult", "CommitResult", "DuReport", "LogEntry", "Repo", "StatusEntry", "find_root"]
