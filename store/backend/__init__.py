"""Store roots: where bytes live. See ``base.Backend``."""

from store.backend.base import Backend
from store.backend.local import LocalBackend

__all__ = ["Backend", "LocalBackend"]
