"""Throttling and dropped connections are retried with backoff; answers (missing, corrupt) are not."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from store.backend.local import LocalBackend
from store.errors import CorruptObjectError, ObjectNotFoundError
from store.objects import Kind, ObjectDB
from store.progress import NO_PROGRESS
from store.transfer import TransferReport, copy_objects
from store.transfer.retry import is_transient, retrying


class FlakyBackend(LocalBackend):
    """A real local store whose first writes of each key fail the way a busy S3 endpoint does."""

    def __init__(self, root: Path, failures: int, error: Exception) -> None:
        super().__init__(root)
        self.failures = failures
        self.error = error
        self.attempts: dict[str, int] = {}

    def write_deferred(self, key: str, data: bytes) -> None:  # what a transfer writes objects with
        self.attempts[key] = self.attempts.get(key, 0) + 1
        if self.attempts[key] <= self.failures:
            raise self.error
        super().write_deferred(key, data)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (OSError(errno.EBUSY, "SlowDown"), True),
        (ConnectionResetError(), True),
        (TimeoutError(), True),
        (type("EndpointConnectionError", (Exception,), {})(), True),
        (FileNotFoundError(), False),
        (PermissionError(), False),
        (ObjectNotFoundError("0" * 64), False),
        (ValueError("bad"), False),
    ],
)
def test_what_is_worth_retrying(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


def test_retrying_backs_off_then_gives_up() -> None:
    delays: list[float] = []
    calls = []

    def busy() -> None:
        calls.append(1)
        raise OSError(errno.EBUSY, "SlowDown")

    with pytest.raises(OSError):
        retrying(busy, attempts=4, base_delay=0.1, sleep=delays.append)
    assert len(calls) == 4 and len(delays) == 3
    assert all(0.05 * 2**i <= d <= 0.1 * 2**i for i, d in enumerate(delays))
    with pytest.raises(FileNotFoundError):
        retrying(lambda: (_ for _ in ()).throw(FileNotFoundError()), sleep=delays.append)
    assert len(delays) == 3  # not retried


def make_objects(db: ObjectDB, count: int) -> list[str]:
    return [db.put(bytes([i]) * 1000, Kind.CHUNK).oid for i in range(count)]


def test_copy_survives_throttling(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("store.transfer.retry.BASE_DELAY", 0.001)
    src = ObjectDB(LocalBackend(tmp_path / "src"))
    oids = make_objects(src, 20)
    flaky = FlakyBackend(tmp_path / "dst", failures=2, error=OSError(errno.EBUSY, "SlowDown"))
    report = TransferReport("dst")
    copy_objects(src, ObjectDB(flaky), oids, jobs=4, progress=NO_PROGRESS, report=report)
    assert report.objects_transferred == 20 and set(ObjectDB(flaky)) == set(oids)
    assert set(flaky.attempts.values()) == {3}


def test_copy_stops_at_the_first_real_error_and_never_lands_a_corrupt_object(tmp_path: Path) -> None:
    src = ObjectDB(LocalBackend(tmp_path / "src"))
    oids = make_objects(src, 5)
    victim = src.backend.path(f"objects/{oids[2][:2]}/{oids[2][2:]}")
    victim.write_bytes(victim.read_bytes()[:-3] + b"xyz")
    dst = ObjectDB(LocalBackend(tmp_path / "dst"))
    with pytest.raises(CorruptObjectError):
        copy_objects(src, dst, oids, jobs=1, progress=NO_PROGRESS, report=TransferReport("dst"))
    assert oids[2] not in set(dst)
