"""The small interface every store root (local folder, S3 prefix, ...) implements.

Keys are relative POSIX paths under the store root (``objects/ab/cd...``,
``refs/...``). Backends move bytes; they know nothing of objects, refs or models.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator


class Backend(ABC):
    url: str

    @abstractmethod
    def read(self, key: str) -> bytes:
        """Whole value of ``key``; ``FileNotFoundError`` when absent."""

    def read_head(self, key: str, length: int) -> bytes:
        """The first ``length`` bytes of ``key``: object headers without the payload."""
        return self.read(key)[:length]

    @abstractmethod
    def write(self, key: str, data: bytes) -> None:
        """Atomically create or replace ``key``: readers see old or new bytes, never a mix."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    def touch(self, key: str) -> None:
        """Mark ``key`` as just used, so gc's grace period protects an object a writer reuses."""

    def exists_many(self, keys: Iterable[str]) -> set[str]:
        """The subset of ``keys`` present; backends with batch listing override this."""
        return {k for k in keys if self.exists(k)}

    @abstractmethod
    def list(self, prefix: str) -> Iterator[str]:
        """Every key under ``prefix`` (recursive), in no particular order."""

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; absent keys are not an error."""

    def modified(self, key: str) -> float:
        """Last-modified time of ``key`` in unix seconds; ``FileNotFoundError`` when absent.

        Not abstract: a backend that cannot tell raises ``NotImplementedError`` and
        callers (gc's grace period) must then treat the key's age as unknown.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot tell modification times")

    @abstractmethod
    def compare_and_swap(self, key: str, expected: bytes | None, new: bytes | None) -> None:
        """Set ``key`` to ``new`` only if it currently holds ``expected``.

        ``None`` means absent, on either side. Raises ``RefConflictError`` when the
        current value differs, so two writers can never both win.
        """
