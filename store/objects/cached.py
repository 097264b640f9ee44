"""An object db that reads through to another store and keeps what it fetched.

Lazy remote reads and partial clones use it: an object missing here is read from
the source, verified against its hash, written here, and only then returned, so
a later read is local and a corrupt remote object never lands in the cache. Those
writes are not fsynced one by one (the store's next ``sync`` covers them): a copy
here that a crash left damaged is simply fetched again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from store.backend.base import Backend
from store.errors import CorruptObjectError, ObjectNotFoundError
from store.objects.db import ObjectDB, decode_object, object_key
from store.objects.header import HEADER_SIZE, Header, Kind


#: Objects fetched at once by ``prefetch``.
PREFETCH_JOBS = 8


class CachingObjectDB(ObjectDB):
    """``has``/``has_many``/iteration see only the local store; reads fall back to ``source()``.

    ``source`` is called once, on the first miss, so a store that never misses never
    connects to its remote.
    """

    def __init__(self, backend: Backend, source: Callable[[], ObjectDB], level: int = 3) -> None:
        super().__init__(backend, level)
        self._source_factory = source
        self._source: ObjectDB | None = None
        self._connect_lock = threading.Lock()
        self.objects_fetched = 0  # objects this db had to read from its source
        self.bytes_fetched = 0  # their stored size

    @property
    def source(self) -> ObjectDB:
        with self._connect_lock:
            if self._source is None:
                self._source = self._source_factory()
            return self._source

    def get(self, oid: str, expect: Kind | None = None) -> bytes:
        try:
            stored = super().read_stored(oid)
        except ObjectNotFoundError:
            return self._fetch(oid, expect)[1]
        try:
            return decode_object(oid, stored, expect)
        except CorruptObjectError:  # a copy a crash caught before it was synced: the source has it whole
            return self._fetch(oid, expect)[1]

    def get_into(self, oid: str, out: memoryview, expect: Kind | None = None) -> None:
        try:
            super().get_into(oid, out, expect)  # reads through ``read_stored``: fetched if missing
        except CorruptObjectError:  # a damaged copy here: as in ``get``
            self._fetch(oid, expect)
            super().get_into(oid, out, expect)

    def read_stored(self, oid: str) -> bytes:
        try:
            return super().read_stored(oid)
        except ObjectNotFoundError:
            return self._fetch(oid, None)[0]

    def _fetch(self, oid: str, expect: Kind | None) -> tuple[bytes, bytes]:
        """(stored, raw) of an object read from the source, verified before it lands here."""
        stored = self.source.read_stored(oid)
        raw = decode_object(oid, stored, expect)
        self.backend.write_deferred(object_key(oid), stored)  # durable with the store's next sync; see ``get``
        with self._read_lock:
            self.objects_read += 1
            self.objects_fetched += 1
            self.bytes_fetched += len(stored)
        return stored, raw

    def prefetch(self, oids: Iterable[str], jobs: int = PREFETCH_JOBS) -> int:
        """Fetch those of ``oids`` not here yet, ``jobs`` at a time; returns how many came.

        For a reader about to need many objects (a checkout): remote reads are
        latency-bound, so many in flight beat the few a local decode needs.
        """
        wanted = list(dict.fromkeys(oids))
        present = self.has_many(wanted)
        missing = [oid for oid in wanted if oid not in present]
        if missing:
            with ThreadPoolExecutor(min(jobs, len(missing)), thread_name_prefix="tvc-prefetch") as pool:
                list(pool.map(self.read_stored, missing))
        return len(missing)

    def header(self, oid: str) -> Header:
        try:
            return super().header(oid)
        except ObjectNotFoundError:
            pass
        try:
            return Header.unpack(self.read_stored(oid)[:HEADER_SIZE])
        except ValueError as exc:
            raise CorruptObjectError(oid, str(exc)) from exc
