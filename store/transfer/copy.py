"""Copying objects between stores: verbatim, verified, a bounded number at a time, retried.

Objects move exactly as stored (header + compressed payload), so a transfer never
re-encodes; the destination's ``write_stored`` checks every object against its
hash before it lands. Writes are deferred (one ``sync`` of the destination, not an
fsync per object): the caller syncs before anything names what was copied. The
first failure cancels what has not started and is raised, so a caller can keep its
write order (chunks, manifests, commits, refs).
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from store.objects.db import ObjectDB
from store.progress import Progress
from store.transfer.report import TransferReport
from store.transfer.retry import retrying

DEFAULT_JOBS = 8


def copy_objects(
    src: ObjectDB, dst: ObjectDB, oids: Collection[str], *, jobs: int, progress: Progress, report: TransferReport
) -> None:
    """Copy ``oids`` from ``src`` to ``dst``, ``jobs`` at a time; all of them, or an exception."""
    if not oids:
        return

    def copy_one(oid: str) -> None:
        stored = retrying(lambda: src.read_stored(oid))
        retrying(lambda: dst.write_stored(oid, stored, deferred=True))
        report.count(len(stored))
        progress.advance(len(stored))

    with ThreadPoolExecutor(max(1, min(jobs, len(oids))), thread_name_prefix="tvc-copy") as pool:
        futures = [pool.submit(copy_one, oid) for oid in oids]
        done, _pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            if future.exception() is not None:
                for other in futures:
                    other.cancel()
                raise future.exception()  # type: ignore[misc]
