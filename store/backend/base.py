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

    def write_deferred(self, key: str, data: bytes) -> None:
        """Like ``write``, but durable only after the next ``sync``: for many new objects at once."""
        self.write(key, data)

    def sync(self) -> None:
        """Make every ``write_deferred`` so far durable; called before a ref names what was written."""

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

    def list_md5(self, prefix: str) -> dict[str, str | None]:
        """Every key under ``prefix`` with the hex MD5 its listing claims for it, else ``None``.

        Object stores list an ETag with each key, which is the MD5 of a plain
        single-part upload: one listing then tells whether many small values (refs)
        changed, without reading each. A claim can be wrong (encrypted or multipart
        uploads), never misleading: callers only trust an MD5 that equals the one
        they computed themselves.
        """
        return dict.fromkeys(self.list(prefix))

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
