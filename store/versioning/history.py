"""Walking history: every ancestor once, newest first, and the labels that point at it."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator

from store.errors import ObjectNotFoundError, RevisionNotFoundError, StoreError
from store.objects.hashing import is_oid
from store.versioning.commits import Commit, CommitStore
from store.versioning.refs import HEADS, RefStore

DEFAULT_BRANCH = "main"


def iter_ancestors(
    commits: CommitStore,
    starts: Iterable[str],
    on_error: Callable[[str, StoreError], None] | None = None,
) -> Iterator[tuple[str, Commit]]:
    """Every commit reachable from ``starts`` (all parents), each once, in no promised order.

    A commit that cannot be read raises, unless ``on_error`` is given: then it is
    reported there and the walk goes on without its parents.
    """
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        oid = stack.pop()
        if oid in seen:
            continue
        seen.add(oid)
        try:
            commit = commits.get(oid)
        except StoreError as exc:
            if on_error is None:
                raise
            on_error(oid, exc)
            continue
        yield oid, commit
        stack.extend(p for p in commit.parents if p not in seen)


def head_of(refs: RefStore, name: str, branch: str = DEFAULT_BRANCH) -> str:
    """The commit a branch points at, with the error a user can act on when it does not exist."""
    head = refs.get(name, HEADS, branch)
    if head is not None:
        return head
    if not refs.names(name):
        raise RevisionNotFoundError(f"no model named '{name}'", hint="see 'tvc log' or the list of models")
    raise RevisionNotFoundError(f"model '{name}' has no branch '{branch}'")


def log(commits: CommitStore, refs: RefStore, name: str, start: str | None = None) -> list[tuple[str, Commit]]:
    """History of ``name`` newest first: all ancestors of ``start`` (a branch, or a full commit id).

    Ordered by time (newest first, ties by id) but never a parent before its child,
    so clock skew between writers cannot show history upside down.
    """
    if start is None:
        head = head_of(refs, name)
    elif is_oid(start):
        head = start
    else:
        head = head_of(refs, name, start)
    try:
        commits.get(head)  # not db.has: a partial store fetches a missing commit on read
    except ObjectNotFoundError:
        raise ObjectNotFoundError(head, f"commit {head[:12]} of '{name}' is missing from the store") from None
    found = dict(iter_ancestors(commits, [head]))
    return _newest_first(found)


def _newest_first(found: dict[str, Commit]) -> list[tuple[str, Commit]]:
    """Kahn's topological sort, picking the newest ready commit each time."""
    children = {oid: 0 for oid in found}
    for commit in found.values():
        for parent in commit.parents:
            if parent in children:
                children[parent] += 1
    ready = [(-c.time, oid) for oid, c in found.items() if children[oid] == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        _t, oid = heapq.heappop(ready)
        commit = found[oid]
        out.append((oid, commit))
        for parent in commit.parents:
            if parent in children:
                children[parent] -= 1
                if children[parent] == 0:
                    heapq.heappush(ready, (-found[parent].time, parent))
    return out


def decorations(refs: RefStore, name: str) -> dict[str, list[str]]:
    """Labels per commit id for log output: branches as ``main``, tags as ``tag: v1``."""
    out: dict[str, list[str]] = {}
    for ref in refs.list(name):  # sorted: heads before tags, then by name
        out.setdefault(ref.commit, []).append(ref.name if ref.kind == HEADS else f"tag: {ref.name}")
    return out

