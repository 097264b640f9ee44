"""What a push, fetch or pull did, for people (one line) and programs (``to_dict``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

# How a push moved a remote ref.
CREATED = "created"
FAST_FORWARD = "fast-forward"
FORCED = "forced"
UP_TO_DATE = "up-to-date"
REJECTED = "rejected"


class RefOutcome(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class RefUpdate:
    """A remote ref a push moved (or left, or was refused)."""

    model: str
    kind: str
    name: str
    old: str | None
    new: str
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "kind": self.kind, "name": self.name, "old": self.old, "new": self.new, "status": self.status}


@dataclass
class TransferReport:
    remote: str
    objects_transferred: int = 0
    bytes_transferred: int = 0  # as stored (compressed), which is what crosses the wire
    objects_skipped: int = 0  # needed, but already at the destination
    seconds: float = 0.0
    refs: list[RefOutcome] = field(default_factory=list)
    checked_out: list[str] = field(default_factory=list)  # paths a pull wrote
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, stored_bytes: int) -> None:
        """One object moved; safe from worker threads."""
        with self._lock:
            self.objects_transferred += 1
            self.bytes_transferred += stored_bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "remote": self.remote,
            "objects_transferred": self.objects_transferred,
            "bytes_transferred": self.bytes_transferred,
            "objects_skipped": self.objects_skipped,
            "seconds": round(self.seconds, 3),
            "refs": [ref.to_dict() for ref in self.refs],
            "checked_out": list(self.checked_out),
        }
