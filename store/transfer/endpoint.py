"""One store as transfers see it: a backend and the object, ref and commit views over it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from store.backend.base import Backend
from store.errors import RefConflictError, RemoteError
from store.objects.db import ObjectDB
from store.versioning import CommitStore, RefStore

CONFIG = "config"


@dataclass(frozen=True)
class Endpoint:
    backend: Backend
    db: ObjectDB
    refs: RefStore
    commits: CommitStore

    @classmethod
    def over(cls, backend: Backend, db: ObjectDB | None = None) -> Endpoint:
        db = db if db is not None else ObjectDB(backend)
        return cls(backend, db, RefStore(backend), CommitStore(db))

    @property
    def url(self) -> str:
        return self.backend.url


def _format_of(url: str, body: bytes) -> object:
    try:
        return json.loads(body).get("format_version")
    except (ValueError, AttributeError) as exc:
        raise RemoteError(f"{url}/{CONFIG} is not a tvc store configuration") from exc


def require_store(remote: Backend, local_config: bytes) -> None:
    """Fail unless ``remote`` holds a store in our format (one request)."""
    try:
        body = remote.read(CONFIG)
    except FileNotFoundError:
        raise RemoteError(f"{remote.url} holds no tvc store yet", hint="push to it first") from None
    _check_format(remote.url, body, local_config)


def ensure_store(remote: Backend, local_config: bytes) -> None:
    """Like ``require_store``, but a remote without a store gets our configuration (created once, atomically)."""
    try:
        body = remote.read(CONFIG)
    except FileNotFoundError:
        try:
            remote.compare_and_swap(CONFIG, None, local_config)
            return
        except RefConflictError:  # another first push created it a moment ago
            body = remote.read(CONFIG)
    _check_format(remote.url, body, local_config)


def _check_format(url: str, body: bytes, local_config: bytes) -> None:
    theirs, ours = _format_of(url, body), _format_of("local store", local_config)
    if theirs != ours:
        raise RemoteError(f"{url} holds a store of format {theirs}, this tvc uses format {ours}", hint="upgrade tvc")
