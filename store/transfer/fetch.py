"""fetch: bring a remote's refs and the objects behind them into the local store.

Commits are read first (a frontier at a time, concurrently), then manifests, then
the chunks the local store lacks, ``jobs`` at a time. The local store is never
trusted to be complete (a partial clone holds commits without their chunks), so
every needed object is checked here, which costs a ``stat`` each, not a request.
Remote-tracking refs move last, so an interrupted fetch is simply rerun.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from store.errors import ObjectNotFoundError, RemoteError
from store.objects.cached import CachingObjectDB
from store.objects.header import Kind
from store.objects.manifest import Manifest
from store.progress import NO_PROGRESS, Progress
from store.transfer.copy import DEFAULT_JOBS, copy_objects
from store.transfer.endpoint import Endpoint, require_store
from store.transfer.report import TransferReport
from store.transfer.retry import retrying
from store.transfer.tracking import known_values, mirror
from store.versioning import Commit, CommitStore, Ref, RefStore

T = TypeVar("T")
R = TypeVar("R")


def fetch(
    remote: Endpoint,
    local: Endpoint,
    *,
    local_config: bytes,
    models: Collection[str] | None = None,
    commits: Iterable[str] = (),
    history: bool = True,
    tracking: RefStore | None = None,
    jobs: int = DEFAULT_JOBS,
    progress: Progress = NO_PROGRESS,
) -> tuple[TransferReport, list[Ref]]:
    """Fetch the remote refs of ``models`` (``None``: every model) and the named ``commits``.

    With ``history``, every version the refs reach comes too (``git fetch``);
    without, only the versions named by ``commits`` (what a pull checks out), and
    the rest is left for on-demand reads. Returns the report and the remote refs seen.
    """
    started = time.monotonic()
    report = TransferReport(remote.url)
    require_store(remote.backend, local_config)
    known = known_values(tracking) if tracking is not None else {}
    seen = [r for r in remote.refs.scan(known) if models is None or r.model in models]
    wanted = list(dict.fromkeys([*(r.commit for r in seen if history), *commits]))
    fetch_versions(remote, local, wanted, history=history, jobs=jobs, progress=progress, report=report)
    local.db.sync()  # what came is durable before a tracking ref (or a pull's branch) names it
    if tracking is not None:
        mirror(tracking, seen, models)
    report.seconds = time.monotonic() - started
    return report, seen


def fetch_versions(
    remote: Endpoint,
    local: Endpoint,
    heads: Iterable[str],
    *,
    history: bool,
    jobs: int,
    progress: Progress,
    report: TransferReport,
) -> None:
    """Make every object of the versions ``heads`` (and, with ``history``, their ancestors) local."""
    through = CachingObjectDB(local.backend, lambda: remote.db)
    commits = _read_commits(CommitStore(through), list(heads), history, jobs, remote.url)
    manifest_ids = sorted({c.manifest for c in commits.values()})
    manifests = _in_parallel(lambda mid: retrying(lambda: through.get(mid, Kind.MANIFEST)), manifest_ids, jobs)
    chunks: set[str] = set()
    for raw in manifests:
        chunks |= Manifest.from_bytes(raw).chunk_ids()
    missing = sorted(chunks - local.db.has_many(chunks))
    report.objects_transferred += through.objects_fetched
    report.bytes_transferred += through.bytes_fetched
    report.objects_skipped += len(commits) + len(manifest_ids) + len(chunks) - through.objects_fetched - len(missing)
    if not missing:
        return
    progress.begin(f"fetching {len(missing)} objects", None)
    try:
        copy_objects(remote.db, local.db, missing, jobs=jobs, progress=progress, report=report)
    finally:
        progress.end()


def _read_commits(commits: CommitStore, heads: list[str], history: bool, jobs: int, source: str) -> dict[str, Commit]:
    """The commits ``heads`` (and their ancestors, with ``history``), one frontier at a time."""

    def read(oid: str) -> Commit:
        try:
            return retrying(lambda: commits.get(oid))
        except ObjectNotFoundError:
            raise RemoteError(f"{source} does not have commit {oid[:12]}", hint="push it from where it was made") from None

    found: dict[str, Commit] = {}
    frontier = list(dict.fromkeys(heads))
    while frontier:
        batch = _in_parallel(read, frontier, jobs)
        found.update(zip(frontier, batch))
        parents = {p for c in batch for p in c.parents} if history else set()
        frontier = sorted(parents - found.keys())
    return found


def _in_parallel(action: Callable[[T], R], items: list[T], jobs: int) -> list[R]:
    if len(items) <= 1:
        return [action(item) for item in items]
    with ThreadPoolExecutor(min(jobs, len(items)), thread_name_prefix="tvc-fetch") as pool:
        return list(pool.map(action, items))
