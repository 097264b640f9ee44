"""The one exception hierarchy of tvc.

Every failure a user can cause or meet is a ``StoreError``: the CLI turns it into a
single line and exit 1; library callers catch one type.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error tvc raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}; {self.hint}" if self.hint else text


class NotARepositoryError(StoreError):
    hint = "run 'tvc init' first"


class InvalidNameError(StoreError):
    """A model, branch or tag name that cannot be stored safely."""


class PathNotFoundError(StoreError):
    """A file or folder given by the user does not exist."""


class ObjectNotFoundError(StoreError):
    def __init__(self, oid: str, message: str | None = None) -> None:
        super().__init__(message or f"object {oid[:12]} is missing from the store", hint="run 'tvc fsck'")
        self.oid = oid


class CorruptObjectError(StoreError):
    """An object whose bytes do not hash to its name, or whose header is malformed."""

    def __init__(self, oid: str, reason: str) -> None:
        super().__init__(f"object {oid[:12]} is corrupt: {reason}", hint="run 'tvc fsck'")
        self.oid = oid


class InvalidManifestError(StoreError):
    """A manifest or commit that parses but breaks the schema or its own limits."""


class RevisionNotFoundError(StoreError):
    hint = "see 'tvc log NAME' for the model's history"


class AmbiguousRevisionError(StoreError):
    def __init__(self, prefix: str, candidates: list[str]) -> None:
        listed = ", ".join(c[:16] for c in sorted(candidates))
        super().__init__(f"revision '{prefix}' is ambiguous: it matches {listed}", hint="give more hex digits")
        self.candidates = sorted(candidates)


class RefConflictError(StoreError):
    """A ref moved while we were updating it (compare-and-swap failed)."""

    hint = "another writer moved it; retry"


class WouldOverwriteError(StoreError):
    hint = "commit it first or pass --force"


class UnsupportedObjectError(StoreError):
    """An object or file the adapters cannot decompose."""


class CorruptRefError(StoreError):
    """A ref whose content is not a commit id (hand-edited, truncated, or not ours)."""

    hint = "run 'tvc fsck'"


class RefExistsError(StoreError):
    """A branch or tag that already exists where creating it would silently replace it."""

    hint = "pass --force to move it"


class RemoteError(StoreError):
    """A remote that cannot be found, reached, or used as a store."""


class PushRejectedError(RemoteError):
    """The remote moved past what we know, so the push would drop someone else's commits."""

    hint = "run 'tvc pull' first, then push again (or --force to overwrite)"


class UnsafeObjectError(StoreError):
    """A stored structure that would run code outside the allow-list when loaded; nothing was run."""

    def __init__(self, what: str, refused: list[str]) -> None:
        names = sorted(set(refused))
        listed = ", ".join(names)
        trust = ", ".join(repr(n) for n in names)
        super().__init__(
            f"refusing to load {what}: it references {listed}, outside the allow-list",
            hint=f"if you trust this store, pass trusted=[{trust}] (CLI: --trust NAME)",
        )
        self.refused = names


class EnvironmentMismatchWarning(UserWarning):
    """A model is loaded under another major or minor version of a library than it was stored with."""
