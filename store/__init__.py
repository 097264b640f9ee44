"""tvc: a content-addressed, versioned store for machine-learning models.

Public names load on first use, so ``import store.objects`` (or the CLI's start-up)
does not pull in every layer and its dependencies.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Repo": "store.api",
    "CommitResult": "store.api",
    "StoreError": "store.errors",
    "UnsafeObjectError": "store.errors",
    "EnvironmentMismatchWarning": "store.errors",
    "LazyTensor": "store.lazy",
    "ModelView": "store.lazy",
    "RemoteStore": "store.remotes",
    "open_remote": "store.api",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from store.api import CommitResult, Repo, open_remote
    from store.errors import EnvironmentMismatchWarning, StoreError, UnsafeObjectError
    from store.lazy import LazyTensor, ModelView
    from store.remotes import RemoteStore


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'store' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
