"""push: send the versions a remote lacks, then move its refs by compare-and-swap.

What to send is worked out from commits, because a commit on the remote implies
everything it needs is there too (this module writes chunks, then manifests,
then commits parents-first, then refs, and never a ref before its commit):

1. one listing of the remote's refs (``RefStore.scan``): refs whose MD5 matches
   ours are not even read, so a push with nothing to do costs that listing plus
   the read of the remote's ``config``;
2. refs that would not fast-forward are refused before anything is sent;
3. commits reachable from what we push but not from the remote's refs, minus any
   the remote has anyway (an interrupted push, another model), checked in one batch;
4. their manifests and chunks, minus those of the parent versions already there,
   checked in one batch; then sent, ``jobs`` at a time, retried with backoff;
5. refs moved from the value we listed; a ref that moved meanwhile is refused
   with "pull first", so two pushes to one branch can never both win.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from store.errors import (
    InvalidNameError,
    ObjectNotFoundError,
    PushRejectedError,
    RefConflictError,
    RevisionNotFoundError,
    StoreError,
)
from store.progress import NO_PROGRESS, Progress
from store.transfer.copy import DEFAULT_JOBS, copy_objects
from store.transfer.endpoint import Endpoint, ensure_store
from store.transfer.report import CREATED, FAST_FORWARD, FORCED, REJECTED, UP_TO_DATE, RefUpdate, TransferReport
from store.transfer.tracking import remember
from store.versioning import HEADS, TAGS, Commit, Ref, RefStore, is_ancestor, iter_ancestors, normalize_name, parse_rev
from store.versioning.refs import describe


def select_refs(refs: RefStore, targets: Sequence[str]) -> list[Ref]:
    """The refs a push names: every ref (no target), a model's refs (``NAME``), or one branch or tag (``NAME@REF``)."""
    if not targets:
        return refs.list()
    chosen: dict[tuple[str, str, str], Ref] = {}
    for target in targets:
        if "@" not in target:
            found = refs.list(normalize_name(target))
            if not found:
                raise RevisionNotFoundError(f"no model named '{target}' to push")
        else:
            model, rev = parse_rev(target)
            found = _branch_or_tag(refs, model, rev)
            if not found:
                raise RevisionNotFoundError(f"'{target}' is not a branch or tag of '{model}'; push sends branches and tags")
        chosen.update({(r.model, r.kind, r.name): r for r in found})
    return sorted(chosen.values())


def _branch_or_tag(refs: RefStore, model: str, name: str) -> list[Ref]:
    """``name`` as a branch of ``model``, else as a tag (the order revs resolve in); none if neither."""
    for kind in (HEADS, TAGS):
        try:
            commit = refs.get(model, kind, name)
        except InvalidNameError:  # "main~1", a commit id: revs, not refs
            return []
        if commit is not None:
            return [Ref(model, kind, name, commit)]
    return []


def push(
    local: Endpoint,
    remote: Endpoint,
    targets: Sequence[str] = (),
    *,
    local_config: bytes,
    tracking: RefStore | None = None,
    jobs: int = DEFAULT_JOBS,
    force: bool = False,
    progress: Progress = NO_PROGRESS,
) -> TransferReport:
    """Push the refs ``targets`` names; raises ``PushRejectedError`` for a ref that would lose remote commits."""
    started = time.monotonic()
    report = TransferReport(remote.url)
    selected = select_refs(local.refs, targets)
    ensure_store(remote.backend, local_config)
    listed = remote.refs.scan(known={(r.model, r.kind, r.name): r.commit for r in selected})
    remote_values = {(r.model, r.kind, r.name): r.commit for r in listed}
    updates = [_plan(local, ref, remote_values.get((ref.model, ref.kind, ref.name)), force) for ref in selected]
    refused = [u for u in updates if u.status == REJECTED]
    if refused:
        raise PushRejectedError(_refusal(refused))
    moving = [u for u in updates if u.status != UP_TO_DATE]
    if moving:
        models = {u.model for u in moving}
        remote_heads = [commit for (model, _k, _n), commit in remote_values.items() if model in models]
        _send_versions(local, remote, [u.new for u in moving], remote_heads, jobs, progress, report)
    report.refs = _move_refs(remote, updates)
    if tracking is not None:
        remember(tracking, [Ref(u.model, u.kind, u.name, u.new) for u in report.refs if u.status != REJECTED])
    report.seconds = time.monotonic() - started
    lost = [u for u in report.refs if u.status == REJECTED]
    if lost:
        raise PushRejectedError(_refusal(lost, raced=True))
    return report


def _plan(local: Endpoint, ref: Ref, remote_commit: str | None, force: bool) -> RefUpdate:
    """How the remote ref would move to our value: created, fast-forward, forced, up to date or rejected."""
    if remote_commit == ref.commit:
        status = UP_TO_DATE
    elif remote_commit is None:
        status = CREATED
    elif ref.kind == HEADS and _descends(local, ref.commit, remote_commit):
        status = FAST_FORWARD
    else:
        status = FORCED if force else REJECTED
    return RefUpdate(ref.model, ref.kind, ref.name, remote_commit, ref.commit, status)


def _descends(local: Endpoint, commit: str, ancestor: str) -> bool:
    try:
        return is_ancestor(local.commits, ancestor, commit)
    except StoreError:  # our history is damaged: not provably a fast-forward
        return False


def _refusal(updates: Iterable[RefUpdate], raced: bool = False) -> str:
    def why(u: RefUpdate) -> str:
        if raced:
            return "moved on the remote while pushing"
        return "has commits you do not have" if u.kind == HEADS else "points to another commit on the remote"

    return "push rejected: " + "; ".join(f"{describe(u.model, u.kind, u.name)} {why(u)}" for u in updates)


def _ancestors_on(local: Endpoint, heads: Iterable[str]) -> set[str]:
    """Commits reachable from the remote's heads that we hold: on the remote, by the write order.

    A remote commit we never fetched is skipped: nothing of ours descends from it.
    """
    return {oid for oid, _commit in iter_ancestors(local.commits, heads, on_error=lambda _oid, _exc: None)}


def _commits_to_send(local: Endpoint, remote: Endpoint, heads: Iterable[str], remote_heads: Iterable[str]) -> dict[str, Commit]:
    on_remote = _ancestors_on(local, remote_heads)
    candidates: dict[str, Commit] = {}
    stack = [h for h in heads if h not in on_remote]
    while stack:
        oid = stack.pop()
        if oid in candidates:
            continue
        commit = local.commits.get(oid)
        candidates[oid] = commit
        stack.extend(p for p in commit.parents if p not in on_remote and p not in candidates)
    present = remote.db.has_many(candidates) if candidates else set()
    return {oid: c for oid, c in candidates.items() if oid not in present}


def _objects_of(local: Endpoint, commit_ids: Iterable[str]) -> tuple[set[str], set[str]]:
    """(manifest ids, chunk ids) the versions ``commit_ids`` are made of."""
    manifests: set[str] = set()
    chunks: set[str] = set()
    for oid in commit_ids:
        commit = local.commits.get(oid)
        if commit.manifest not in manifests:
            manifests.add(commit.manifest)
            chunks |= local.commits.manifest(oid).chunk_ids()
    return manifests, chunks


def _objects_on_remote(local: Endpoint, commit_ids: Iterable[str]) -> tuple[set[str], set[str]]:
    """What the remote's versions ``commit_ids`` are made of, as far as we can tell from our store.

    Only a shortcut (these need no existence check): a version a pull fetched
    in part, whose manifest we lack, just leaves its objects to the check.
    """
    manifests: set[str] = set()
    chunks: set[str] = set()
    for oid in commit_ids:
        try:
            found = _objects_of(local, [oid])
        except ObjectNotFoundError:
            continue
        manifests |= found[0]
        chunks |= found[1]
    return manifests, chunks


def _send_versions(
    local: Endpoint,
    remote: Endpoint,
    heads: list[str],
    remote_heads: list[str],
    jobs: int,
    progress: Progress,
    report: TransferReport,
) -> None:
    missing = _commits_to_send(local, remote, heads, remote_heads)
    if not missing:
        return
    boundary = {p for c in missing.values() for p in c.parents if p not in missing}
    there_manifests, there_chunks = _objects_on_remote(local, boundary)
    manifests, chunks = _objects_of(local, missing)
    unsure = (manifests | chunks) - there_manifests - there_chunks
    present = remote.db.has_many(unsure) if unsure else set()
    send_chunks = sorted((chunks - there_chunks) - present)
    send_manifests = sorted((manifests - there_manifests) - present)
    needed = len(manifests | chunks) + len(missing)
    generations = _parents_first(missing)
    total = sum(local.db.stored_size(o) for o in [*send_chunks, *send_manifests, *missing])
    progress.begin(f"pushing {len(send_chunks) + len(send_manifests) + len(missing)} objects", total)
    try:
        copy_objects(local.db, remote.db, send_chunks, jobs=jobs, progress=progress, report=report)
        copy_objects(local.db, remote.db, send_manifests, jobs=jobs, progress=progress, report=report)
        remote.db.sync()  # a commit on the remote vouches for its objects: they are durable first
        for generation in generations:
            copy_objects(local.db, remote.db, generation, jobs=jobs, progress=progress, report=report)
        remote.db.sync()  # and the commits before a ref names them
    finally:
        progress.end()
    report.objects_skipped = needed - report.objects_transferred


def _parents_first(commits: dict[str, Commit]) -> list[list[str]]:
    """The commits in generations: each one's parents (among ``commits``) in earlier generations."""
    remaining = dict(commits)
    done: set[str] = set()
    generations = []
    while remaining:
        ready = sorted(oid for oid, c in remaining.items() if all(p in done or p not in commits for p in c.parents))
        generations.append(ready)
        done.update(ready)
        for oid in ready:
            del remaining[oid]
    return generations


def _move_refs(remote: Endpoint, updates: list[RefUpdate]) -> list[RefUpdate]:
    out = []
    for u in updates:
        if u.status in (CREATED, FAST_FORWARD, FORCED):
            try:
                remote.refs.set_if_equals(u.model, u.kind, u.name, u.old, u.new)
            except RefConflictError:
                u = RefUpdate(u.model, u.kind, u.name, u.old, u.new, REJECTED)
        out.append(u)
    return out

