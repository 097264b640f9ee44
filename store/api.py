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
from collections.abc import Iterable, Mapping, Sequence
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
    WouldOverwriteError,
)
from store.adapters.base import LoadOptions
from store.hashcache import HashCache
from store.ingest import ingest_path
from store.lazy import ModelView
from store.models import export_object, load_object, store_object
from store.objects import Kind, Manifest, ObjectDB
from store.objects.cached import CachingObjectDB
from store.objects.chunking import DEFAULT_POLICY
from store.pointers import Pointer, find_pointers, pointer_path, read_pointer, target_of, write_pointer
from store.progress import NO_PROGRESS, Progress
from store.remotes import Remote, RemoteStore, clone_source, connect, default_cache_dir
from store.remotes.dvc_config import add_remote, init_project
from store.restore import matches, restore
import store.transfer as transfer
from store.transfer import DEFAULT_JOBS, Endpoint, TransferReport
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
ORIGIN = "origin"  # the DVC remote a clone records
FORMAT_VERSION = 1
DEFAULT_BRANCH = "main"


@dataclass(frozen=True)
class ObjectOptions:
    """What ``commit`` was told about an object version."""

    message: str
    params: dict[str, Any]
    metrics: dict[str, Any]
    tag: str | None
    branch: str
    mmap: bool
    include_optimizer: bool


def trust_names(trusted: Iterable[str | object] | None) -> frozenset[str]:
    """``"module.name"`` for every trusted entry; classes and functions count by their own name."""
    return frozenset(t if isinstance(t, str) else f"{getattr(t, '__module__', '')}.{getattr(t, '__qualname__', '')}" for t in trusted or ())


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
        self.db = self._object_db(level=int(config.get("codec", {}).get("level", 3)))
        self.refs = RefStore(self.backend)
        self.commits = CommitStore(self.db)
        self.hashes = HashCache(self.control / "hash-cache.json", self.control / "tmp")

    @classmethod
    def init(cls, path: str | os.PathLike[str] = ".") -> Repo:
        """Create ``.tvc/`` in ``path`` (idempotent) and return the repository."""
        control = Path(path).absolute() / CONTROL_DIR
        for sub in ("objects", "refs", "tmp"):
            (control / sub).mkdir(parents=True, exist_ok=True)
        if not (control / "config").exists():
            atomic_write(control / "config", _config_body(), control / "tmp")
        return cls(path)

    def _object_db(self, level: int) -> ObjectDB:
        """Local objects; a partial store (lazy clone, pull) reads what it lacks from its remote, once."""
        lazy = transfer.lazy_remote(self.control)
        if lazy is None:
            return ObjectDB(self.backend, level=level)
        return CachingObjectDB(self.backend, lambda: ObjectDB(connect(lazy, self.root).backend), level=level)

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
        mmap: bool = False,
        include_optimizer: bool = True,
    ) -> CommitResult:
        """Record a new version of a file or folder, or of a live model object under ``name``.

        Identical content makes no new commit. For objects, ``mmap`` stores large arrays
        raw so ``load(..., mmap=True)`` can map them; ``include_optimizer`` keeps a Keras
        model's optimizer state so training resumes exactly.
        """
        if not isinstance(target, (str, os.PathLike)):
            options = ObjectOptions(message, dict(params or {}), dict(metrics or {}), tag, branch, mmap, include_optimizer)
            return self._commit_object(target, name, options, progress)
        path = Path(target).absolute()
        if not path.exists():
            raise PathNotFoundError(f"{target} does not exist")
        model = self.model_name_for(path, name)
        head = self.refs.get(model, HEADS, branch)
        if head is not None and self._same_as_version(path, head):
            result = CommitResult(head, model, branch, created=False, tag=tag)
        else:
            manifest, stats = ingest_path(self.db, path, progress, self.hashes.hash_file)
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

    def _commit_object(self, obj: object, name: str | None, options: ObjectOptions, progress: Progress) -> CommitResult:
        if name is None:
            raise InvalidNameError(f"a {type(obj).__name__} needs a name to be committed under", hint="repo.commit(model, 'clf')")
        model = normalize_name(name)
        version = store_object(self.db, obj, mmap=options.mmap, include_optimizer=options.include_optimizer, progress=progress)
        manifest_id = self.db.put(version.manifest.to_bytes(), Kind.MANIFEST).oid
        head = self.refs.get(model, HEADS, options.branch)
        if head is not None and self.commits.get(head).manifest == manifest_id:
            result = CommitResult(head, model, options.branch, created=False, tag=options.tag)
        else:
            params = {**version.params, **options.params}
            info = {"message": options.message, "params": params, "metrics": {**version.metrics, **options.metrics}}
            commit_id = record_commit(self.commits, self.refs, model, options.branch, lambda parent: self._new_commit(manifest_id, parent, model, info))
            stats = version.stats
            result = CommitResult(commit_id, model, options.branch, True, stats.new_objects, stats.new_bytes, options.tag)
        if options.tag is not None:
            move_tag(self.refs, model, options.tag, result.id)
        return result

    def _same_as_version(self, path: Path, commit_id: str) -> bool:
        """Cheap check before chunking: one whole-file hash against the version's manifest."""
        if not path.is_file():
            return False
        manifest = self.manifest(commit_id)
        if manifest.type != "file":
            return False
        entry = manifest.entries[0]
        return path.stat().st_size == entry.size and self.hashes.hash_file(path) == entry.hash

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
        self,
        target: str,
        out: str | os.PathLike[str] | None = None,
        *,
        force: bool = False,
        progress: Progress = NO_PROGRESS,
        trusted: Iterable[str | object] | None = None,
    ) -> CheckoutResult:
        """Write a version back byte-exactly; ``target`` is a tracked PATH or ``NAME@REV``.

        A Python object version is exported to ``out`` in the format its suffix names
        (``.joblib``, ``.keras``, ``.safetensors``...), loaded safely on the way
        (``trusted`` as for ``load``).
        """
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
        if manifest.type == "object":
            return self._export(model, commit_id, manifest, out, force, trusted)
        if not force and (dest.exists() or dest.is_symlink()) and not matches(manifest, dest, self.hashes.hash_file):
            if out is not None or not self._is_unmodified(dest):
                raise WouldOverwriteError(f"{dest} has changes that would be overwritten by {model}@{commit_id[:12]}")
        if isinstance(self.db, CachingObjectDB):  # a partial store: fetch many chunks at once, not one per read
            self.db.prefetch(manifest.chunk_ids())
        restore(self.db, manifest, dest, progress)
        if out is None:
            self._write_pointer(dest, model, commit_id)
        return CheckoutResult(model, commit_id, dest)

    def _export(
        self, model: str, commit_id: str, manifest: Manifest, out: str | os.PathLike[str] | None, force: bool, trusted: Iterable[str | object] | None
    ) -> CheckoutResult:
        what = f"{model}@{commit_id[:12]}"
        if out is None:
            raise StoreError(f"{what} is a Python object, not a file", hint="pass an output file (-o model.joblib, model.keras, weights.safetensors)")
        dest = Path(out).absolute()
        if dest.exists() and not force:
            raise WouldOverwriteError(f"{dest} exists and would be overwritten by {what}")
        options = LoadOptions(trusted=trust_names(trusted), what=what)
        export_object(self.db, manifest, self.commits.get(commit_id).environment, dest, options)
        return CheckoutResult(model, commit_id, dest)

    def _is_unmodified(self, path: Path) -> bool:
        """Does ``path`` still hold the version its pointer names?"""
        pointer_file = pointer_path(path)
        if not pointer_file.is_file():
            return False
        return matches(self.manifest(read_pointer(pointer_file).commit), path, self.hashes.hash_file)

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

    def open(self, rev: str, remote: str | None = None) -> ModelView:
        """A lazy view: reads the commit and manifest now, tensor chunks only on access.

        With ``remote`` (a URL or DVC remote name), ``rev`` is resolved on that remote
        and what is read is kept in this store.
        """
        if remote is not None:
            return RemoteStore(self.connect(remote), self.backend).open(rev)
        resolved = self.resolve(rev)
        return ModelView(self.db, resolved.name, resolved.commit, self.manifest(resolved.commit))

    def load(
        self,
        rev: str,
        *,
        trusted: Iterable[str | object] | None = None,
        only: Sequence[str] | None = None,
        mmap: bool = False,
    ) -> Any:
        """The live model a version holds, rebuilt safely.

        Types outside the allow-list (and Keras Lambda layers) are refused, naming
        them; ``trusted`` (names like ``"mymodule.MyEstimator"``, or the classes)
        allows them. ``only`` loads just those layers of a Keras model into a fresh
        build of it (or those arrays of a dict); ``mmap`` maps arrays stored raw
        (``commit(..., mmap=True)``) instead of reading them.
        """
        resolved = self.resolve(rev)
        commit = self.commits.get(resolved.commit)
        options = LoadOptions(trust_names(trusted), tuple(only) if only is not None else None, f"{resolved.name}@{resolved.commit[:12]}")
        return load_object(self.db, self.manifest(resolved.commit), commit.environment, options, mmap=mmap)

    def status(self) -> list[StatusEntry]:
        entries = []
        for pointer_file in find_pointers(self.root):
            pointer = read_pointer(pointer_file)
            target = target_of(pointer_file)
            rel = target.relative_to(self.root).as_posix()
            if not target.exists():
                state = "missing"
            elif target.is_file():
                same = target.stat().st_size == pointer.size and self.hashes.hash_file(target) == pointer.hash
                state = "clean" if same else "modified"
            else:
                state = "clean" if matches(self.manifest(pointer.commit), target, self.hashes.hash_file) else "modified"
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
        tracked = {oid for oid in transfer.tracked_heads(self.control) if self.db.has(oid)}
        return collect_garbage(self.db, self.refs, self.commits, dry_run=dry_run, extra_heads=tracked)

    # remotes: thin glue over store.remotes (which store) and store.transfer (what moves)

    def connect(self, remote: str | None = None) -> Remote:
        """The remote ``remote`` names: a URL, a DVC remote name, or (``None``) DVC's default remote."""
        return connect(remote, Path.cwd())

    def _local(self) -> Endpoint:
        return Endpoint(self.backend, self.db, self.refs, self.commits)

    def _store_config(self) -> bytes:
        return (self.control / "config").read_bytes()

    def push(
        self, targets: Sequence[str] = (), remote: str | None = None, *, jobs: int = DEFAULT_JOBS, force: bool = False,
        progress: Progress = NO_PROGRESS,
    ) -> TransferReport:
        """Send branches and tags (all; a model's, ``NAME``; one, ``NAME@REF``) and the versions the remote lacks."""
        target = self.connect(remote)
        return transfer.push(
            self._local(), Endpoint.over(target.backend), targets, local_config=self._store_config(),
            tracking=transfer.tracking_refs(self.control, target.name), jobs=jobs, force=force, progress=progress,
        )

    def fetch(
        self, models: Sequence[str] = (), remote: str | None = None, *, jobs: int = DEFAULT_JOBS, progress: Progress = NO_PROGRESS
    ) -> TransferReport:
        """Bring the remote's refs (of ``models``, or every model) and every version they reach."""
        target = self.connect(remote)
        report, _seen = transfer.fetch(
            Endpoint.over(target.backend), self._local(), local_config=self._store_config(),
            models={normalize_name(m) for m in models} or None, tracking=transfer.tracking_refs(self.control, target.name),
            jobs=jobs, progress=progress,
        )
        return report

    def pull(
        self, targets: Sequence[str] = (), remote: str | None = None, *, jobs: int = DEFAULT_JOBS, progress: Progress = NO_PROGRESS
    ) -> TransferReport:
        """Fetch what the pointer files (or ``targets``: PATH or NAME[@REV]) name, fold the remote's branches in, check out."""
        target = self.connect(remote)
        report = transfer.pull(
            self._local(), Endpoint.over(target.backend), transfer.plan_pull(self.root, targets, Path.cwd()),
            control=self.control, remote_name=target.name, local_config=self._store_config(),
            tracking=transfer.tracking_refs(self.control, target.name),
            checkout=lambda t, force: self.checkout(t, force=force, progress=progress).path, jobs=jobs, progress=progress,
        )
        self.db = self._object_db(self.db.level)  # the store is partial now: history comes on demand
        self.commits = CommitStore(self.db)
        return report

    @classmethod
    def clone(
        cls, url: str, directory: str | os.PathLike[str], *, everything: bool = False, jobs: int = DEFAULT_JOBS,
        progress: Progress = NO_PROGRESS,
    ) -> tuple[Repo, TransferReport]:
        """A new repository in ``directory`` whose DVC default remote ``origin`` is ``url``.

        Refs come now; objects too with ``everything``, else each on first use.
        """
        dvc_url, source = clone_source(url, Path.cwd())
        folder = Path(directory).absolute()
        if folder.exists() and any(folder.iterdir()):
            raise StoreError(f"{folder} already exists and is not empty", hint="clone into a new folder")
        folder.mkdir(parents=True, exist_ok=True)
        init_project(folder, git=False)
        add_remote(folder, ORIGIN, dvc_url, default=True)
        repo = cls.init(folder)
        report = transfer.clone(
            repo._local(), Endpoint.over(source.backend), everything=everything, control=repo.control, remote_name=ORIGIN,
            local_config=repo._store_config(), tracking=transfer.tracking_refs(repo.control, ORIGIN), jobs=jobs,
            progress=progress,
        )
        return cls(folder), report


def open_remote(url_or_name: str, cache_dir: str | os.PathLike[str] | None = None) -> RemoteStore:
    """Read a remote store without cloning it: ``open_remote("s3://bucket/models").open("clf@v3")``.

    Objects read are verified and kept in ``cache_dir``, else the store of the
    repository around the working directory, else ``$TVC_CACHE_DIR`` (default
    ``~/.cache/tvc``).
    """
    if cache_dir is not None:
        cache = Path(cache_dir)
    else:
        try:
            cache = find_root(Path.cwd()) / CONTROL_DIR
        except NotARepositoryError:
            cache = default_cache_dir()
    return RemoteStore(connect(url_or_name, Path.cwd()), LocalBackend(cache))


__all__ = [
    "HEADS",
    "TAGS",
    "CheckoutResult",
    "CommitResult",
    "DuReport",
    "LogEntry",
    "Repo",
    "StatusEntry",
    "find_root",
    "open_remote",
]
