"""Commits: who stored which manifest, when, why, with which parameters and metrics.

A commit is canonical JSON stored as a ``Kind.COMMIT`` object, so its id is the
hash of its content and identical history hashes identically. Everything read
back is validated, because commit ids come from the store, not from us.
"""

from __future__ import annotations

import getpass
import math
import os
import platform
import socket
import sys
from dataclasses import dataclass, field
from typing import Any

from store.errors import InvalidManifestError, InvalidNameError
from store.objects.canonical import canonical_json, parse_json_object
from store.objects.db import ObjectDB
from store.objects.hashing import is_oid
from store.objects.header import Kind
from store.objects.manifest import Manifest
from store.versioning.names import normalize_name

COMMIT_SCHEMA = 1
MAX_COMMIT_BYTES = 16 << 20
_FIELDS = {"schema", "manifest", "parents", "name", "message", "author", "time", "params", "metrics", "environment"}

#: Frameworks whose versions a commit records, by module name -> label, when already imported.
_OPTIONAL_MODULES = {"sklearn": "sklearn", "keras": "keras", "tensorflow": "tensorflow"}


@dataclass(frozen=True)
class Commit:
    manifest: str
    parents: tuple[str, ...]
    name: str
    message: str
    author: str
    time: float  # unix seconds, UTC
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)

    @property
    def parent(self) -> str | None:
        """First parent: the branch head this commit was made on."""
        return self.parents[0] if self.parents else None

    def to_bytes(self) -> bytes:
        """Canonical JSON; the same commit always yields the same bytes and id."""
        body = {
            "schema": COMMIT_SCHEMA,
            "manifest": self.manifest,
            "parents": list(self.parents),
            "name": self.name,
            "message": self.message,
            "author": self.author,
            "time": float(self.time),  # always a float, so 1700000000 and 1700000000.0 hash alike
            "params": self.params,
            "metrics": self.metrics,
            "environment": self.environment,
        }
        _validate(body)
        try:
            return canonical_json(body)
        except (TypeError, ValueError) as exc:
            raise InvalidManifestError(f"commit of '{self.name}' holds a value JSON cannot store: {exc}") from exc

    @classmethod
    def from_bytes(cls, raw: bytes) -> Commit:
        if len(raw) > MAX_COMMIT_BYTES:
            raise InvalidManifestError(f"commit of {len(raw)} bytes exceeds the {MAX_COMMIT_BYTES >> 20} MiB cap")
        data = parse_json_object(raw, "commit")
        _validate(data)
        return cls(
            manifest=data["manifest"],
            parents=tuple(data["parents"]),
            name=data["name"],
            message=data["message"],
            author=data["author"],
            time=float(data["time"]),
            params=data["params"],
            metrics=data["metrics"],
            environment=data["environment"],
        )


def _require(cond: bool, what: str) -> None:
    if not cond:
        raise InvalidManifestError(f"commit is invalid: {what}")


def _validate(data: dict[str, Any]) -> None:
    """Schema checks shared by writing and reading, so we never store what we could not read."""
    _require(data.get("schema") == COMMIT_SCHEMA, f"unsupported schema {data.get('schema')!r}")
    unknown = set(data) - _FIELDS
    _require(not unknown, f"unknown fields {sorted(unknown)}")
    missing = _FIELDS - set(data)
    _require(not missing, f"missing fields {sorted(missing)}")
    manifest = data["manifest"]
    _require(isinstance(manifest, str) and is_oid(manifest), "manifest must be a 64-hex object id")
    parents = data["parents"]
    _require(isinstance(parents, (list, tuple)), "parents must be a list")
    _require(all(isinstance(p, str) and is_oid(p) for p in parents), "every parent must be a 64-hex commit id")
    _require(len(set(parents)) == len(parents), "parents repeat")
    name = data["name"]
    _require(isinstance(name, str), "name must be a string")
    try:
        _require(normalize_name(name) == name, f"name {name!r} is not normalized")
    except InvalidNameError as exc:
        raise InvalidManifestError(f"commit is invalid: {exc}") from exc
    for key in ("message", "author"):
        _require(isinstance(data[key], str), f"{key} must be a string")
    t = data["time"]
    _require(isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t), "time must be a finite number")
    for key in ("params", "metrics", "environment"):
        value = data[key]
        _require(isinstance(value, dict) and all(isinstance(k, str) for k in value), f"{key} must be an object with string keys")


def environment_info() -> dict[str, str]:
    """Versions that shaped the stored bytes; frameworks only if the process already imported them.

    Never imports a framework: importing tensorflow takes seconds and must not be
    the price of a commit of a scikit-learn model.
    """
    import numpy

    info = {"python": platform.python_version(), "numpy": numpy.__version__}
    for module, label in _OPTIONAL_MODULES.items():
        mod = sys.modules.get(module)
        version = getattr(mod, "__version__", None) if mod is not None else None
        if isinstance(version, str):
            info[label] = version
    return info


def default_author() -> str:
    """``$TVC_AUTHOR``, else git's author variables, else ``user@host``; never runs a subprocess."""
    explicit = os.environ.get("TVC_AUTHOR", "").strip()
    if explicit:
        return explicit
    git_name = os.environ.get("GIT_AUTHOR_NAME", "").strip()
    git_email = os.environ.get("GIT_AUTHOR_EMAIL", "").strip()
    if git_name and git_email:
        return f"{git_name} <{git_email}>"
    if git_name or git_email:
        return git_name or git_email
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname() or 'localhost'}"


class CommitStore:
    """Reads and writes commits in an object db; parsed commits are cached (they are immutable)."""

    _CACHE_LIMIT = 65536

    def __init__(self, db: ObjectDB) -> None:
        self.db = db
        self._cache: dict[str, Commit] = {}

    def put(self, commit: Commit) -> str:
        return self.db.put(commit.to_bytes(), Kind.COMMIT).oid

    def get(self, oid: str) -> Commit:
        """The commit ``oid``; ``ObjectNotFoundError``, ``CorruptObjectError`` or ``InvalidManifestError``."""
        cached = self._cache.get(oid)
        if cached is not None:
            return cached
        commit = Commit.from_bytes(self.db.get(oid, expect=Kind.COMMIT))
        self._remember(oid, commit)
        return commit

    def manifest(self, oid: str) -> Manifest:
        """The manifest of commit ``oid``."""
        return Manifest.from_bytes(self.db.get(self.get(oid).manifest, expect=Kind.MANIFEST))

    def _remember(self, oid: str, commit: Commit) -> None:
        if len(self._cache) >= self._CACHE_LIMIT:
            self._cache.clear()
        self._cache[oid] = commit
