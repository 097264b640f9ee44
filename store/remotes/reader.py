"""Reading a remote store without cloning it: refs, commits, manifests and only the chunks asked for.

Every object read is verified and kept in a local store (the repository's, or a
cache folder), so reading the same tensor twice costs one download.
"""

from __future__ import annotations

import os
from pathlib import Path

from store.backend.base import Backend
from store.lazy import ModelView
from store.objects.cached import CachingObjectDB
from store.objects.db import ObjectDB
from store.remotes.connect import Remote
from store.versioning import CommitStore, FsckReport, RefStore, ResolvedRev, check_store, resolve


def default_cache_dir() -> Path:
    """``$TVC_CACHE_DIR``, else ``$XDG_CACHE_HOME/tvc``, else ``~/.cache/tvc``."""
    explicit = os.environ.get("TVC_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tvc"


class RemoteStore:
    """A remote opened read-only; ``open(rev)`` gives the same lazy ``ModelView`` as ``Repo.open``."""

    def __init__(self, remote: Remote, cache: Backend) -> None:
        self.remote = remote
        self.url = remote.url
        self.refs = RefStore(remote.backend)
        self.db = CachingObjectDB(cache, lambda: ObjectDB(remote.backend))
        self.commits = CommitStore(self.db)

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"

    def resolve(self, rev: str) -> ResolvedRev:
        return resolve(self.refs, self.commits, self.db, rev)

    def open(self, rev: str) -> ModelView:
        """Reads the ref, the commit and the manifest now; tensor chunks only when sliced."""
        resolved = self.resolve(rev)
        return ModelView(self.db, resolved.name, resolved.commit, self.commits.manifest(resolved.commit))

    def models(self) -> list[str]:
        return self.refs.models()


def check_remote(remote: Remote) -> FsckReport:
    """fsck of a remote store: every object read and verified, every ref's history walked; nothing cached."""
    db = ObjectDB(remote.backend)
    return check_store(db, RefStore(remote.backend), CommitStore(db))
