"""pull's pieces: what to fetch for the pointer files and names given, and folding remote refs into ours.

A pull fetches the versions the pointer files name (by id: a colleague's pointer
may name a commit no branch holds any more) and the remote's refs of those
models; only those versions' objects come now, the rest of the history on demand.
Remote branches are then folded into ours: created, fast-forwarded, or merged
(see ``versioning.merge``); tags are created when we lack them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from store.objects.cached import CachingObjectDB
from store.objects.hashing import hash_file
from store.objects.header import Kind
from store.objects.manifest import Manifest
from store.pointers import SUFFIX, find_pointers, pointer_path, read_pointer, target_of
from store.progress import NO_PROGRESS, Progress
from store.restore import matches
from store.transfer.copy import DEFAULT_JOBS
from store.transfer.endpoint import Endpoint
from store.transfer.fetch import fetch, fetch_versions
from store.transfer.report import TransferReport
from store.transfer.tracking import set_lazy_remote
from store.versioning import HEADS, Ref, RefIntegration, RefStore, integrate_branch, integrate_tag, parse_rev, resolve


@dataclass
class PullPlan:
    root: Path  # of the repository: where NAME@REV is checked out
    models: set[str] | None  # whose remote refs to fetch and fold in; None: every model
    commits: set[str] = field(default_factory=set)  # versions to fetch by id
    paths: list[Path] = field(default_factory=list)  # tracked paths to check out as their pointers say
    revs: list[str] = field(default_factory=list)  # NAME@REV to resolve once refs are folded in


def plan_pull(root: Path, targets: Sequence[str], cwd: Path) -> PullPlan:
    """A target is a tracked path (or its ``.tvc`` file), else ``NAME[@REV]``.

    No targets: every pointer file under ``root`` (every model when there is none).
    """
    plan = PullPlan(root, models=set())
    if not targets:
        tracked = [target_of(p) for p in find_pointers(root)]
        if not tracked:
            return PullPlan(root, models=None)
    else:
        tracked = [path for t in targets if (path := _tracked(cwd, t)) is not None]
    for path in tracked:
        pointer = read_pointer(pointer_path(path))
        plan.models.add(pointer.name)
        plan.commits.add(pointer.commit)
        plan.paths.append(path.absolute())
    for target in targets:
        if _tracked(cwd, target) is None:
            model, rev = parse_rev(target)
            plan.models.add(model)
            plan.revs.append(f"{model}@{rev}")
    return plan


def _tracked(cwd: Path, target: str) -> Path | None:
    """The path ``target`` names if a pointer file tracks it (``PATH`` or ``PATH.tvc``), else ``None``."""
    if "@" in target:
        return None
    path = cwd / target
    if path.name.endswith(SUFFIX) and path.is_file():
        return target_of(path)
    return path if pointer_path(path).is_file() else None


def integrate(local: Endpoint, remote_refs: Iterable[Ref], remote_name: str) -> list[RefIntegration]:
    """Fold the remote's refs into ours; ``local.commits`` must be able to read the remote's commits."""
    out = []
    for ref in remote_refs:
        if ref.kind == HEADS:
            out.append(integrate_branch(local.commits, local.refs, ref.model, ref.name, ref.commit, f"{remote_name}/{ref.name}"))
        else:
            out.append(integrate_tag(local.refs, ref.model, ref.name, ref.commit))
    return out


def reading_through(local: Endpoint, remote: Endpoint) -> Endpoint:
    """Our store, with what it lacks read from ``remote`` (and kept): to walk histories we fetched only in part."""
    return Endpoint.over(local.backend, CachingObjectDB(local.backend, lambda: remote.db))


def pull(
    local: Endpoint,
    remote: Endpoint,
    plan: PullPlan,
    *,
    control: Path,
    remote_name: str,
    local_config: bytes,
    tracking: RefStore,
    checkout: Callable[[str, bool], Path],
    jobs: int = DEFAULT_JOBS,
    progress: Progress = NO_PROGRESS,
) -> TransferReport:
    """Fetch what ``plan`` names, fold the remote's refs in, then ``checkout(target, force)`` each path and version.

    A file is overwritten (``force``) only when what it holds is a version our store
    knows, as after ``git pull`` moved its pointer: nothing unsaved is lost. The
    store becomes partial: ``control``'s lazy remote is set, so older versions are
    read from the remote when first needed.
    """
    started = time.monotonic()
    set_lazy_remote(control, remote_name)
    report, seen = fetch(
        remote, local, local_config=local_config, models=plan.models, commits=plan.commits, history=False,
        tracking=tracking, jobs=jobs, progress=progress,
    )
    through = reading_through(local, remote)
    report.refs = list(integrate(through, seen, remote_name))
    revs = [resolve(local.refs, through.commits, through.db, rev) for rev in plan.revs]
    fetch_versions(remote, local, [r.commit for r in revs], history=False, jobs=jobs, progress=progress, report=report)
    targets = [(str(path), read_pointer(pointer_path(path)).name, path) for path in plan.paths]
    targets += [(f"{r.name}@{r.commit}", r.name, plan.root / r.name) for r in revs if local.commits.manifest(r.commit).type != "object"]
    report.checked_out = [str(checkout(target, is_saved(local, model, dest))) for target, model, dest in targets]
    report.seconds = time.monotonic() - started
    return report


def clone(
    local: Endpoint,
    remote: Endpoint,
    *,
    everything: bool,
    control: Path,
    remote_name: str,
    local_config: bytes,
    tracking: RefStore,
    jobs: int = DEFAULT_JOBS,
    progress: Progress = NO_PROGRESS,
) -> TransferReport:
    """Give a new, empty store the remote's refs; every object now (``everything``) or each on first use."""
    if not everything:
        set_lazy_remote(control, remote_name)
    report, seen = fetch(
        remote, local, local_config=local_config, history=everything, tracking=tracking, jobs=jobs, progress=progress
    )
    report.refs = list(integrate(local, seen, remote_name))
    return report


def is_saved(local: Endpoint, model: str, path: Path) -> bool:
    """Does ``path`` hold nothing, or a version of ``model`` whose objects are in our store?

    Only versions whose commit and manifest are already here count (a partial
    store fetches nothing for this): a file that was checked out or committed here
    always qualifies.
    """
    if not (path.exists() or path.is_symlink()):
        return True
    digest = hash_file(path) if path.is_file() else None
    seen: set[str] = set()
    stack = [ref.commit for ref in local.refs.list(model)]
    while stack:
        oid = stack.pop()
        if oid in seen or not local.db.has(oid):
            continue
        seen.add(oid)
        commit = local.commits.get(oid)
        stack.extend(commit.parents)
        if not local.db.has(commit.manifest):
            continue
        manifest = Manifest.from_bytes(local.db.get(commit.manifest, Kind.MANIFEST))
        if manifest.type == "file" and manifest.entries[0].hash == digest:
            return True
        if manifest.type == "folder" and path.is_dir() and matches(manifest, path):
            return True
    return False
