"""Bringing another store's refs into ours: fast-forward, or a merge commit when histories diverged.

tvc cannot merge two models' weights, so a merge commit keeps our version
(its manifest is our head's) and records theirs as a second parent: both
histories stay reachable, nothing is lost, and the next push is a fast-forward.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from store.errors import RefConflictError
from store.versioning.commits import Commit, CommitStore, default_author
from store.versioning.history import iter_ancestors
from store.versioning.refs import HEADS, TAGS, RefStore

CREATED = "created"
UP_TO_DATE = "up-to-date"
FAST_FORWARD = "fast-forward"
MERGED = "merged"
AHEAD = "ahead"  # ours already contains theirs
KEPT_OURS = "kept-ours"  # a tag that differs: tags never move silently


@dataclass(frozen=True)
class RefIntegration:
    model: str
    kind: str
    name: str
    old: str | None
    new: str | None
    status: str

    def to_dict(self) -> dict[str, str | None]:
        return {"model": self.model, "kind": self.kind, "name": self.name, "old": self.old, "new": self.new, "status": self.status}


def is_ancestor(commits: CommitStore, ancestor: str, descendant: str) -> bool:
    """Is ``ancestor`` reachable from ``descendant`` (a commit is its own ancestor)?"""
    return any(oid == ancestor for oid, _commit in iter_ancestors(commits, [descendant]))


def merge_commit(commits: CommitStore, ours: str, theirs: str, message: str) -> str:
    """Store a commit with our content and parents (ours, theirs); returns its id."""
    head = commits.get(ours)
    merged = Commit(
        manifest=head.manifest,
        parents=(ours, theirs),
        name=head.name,
        message=message,
        author=default_author(),
        time=time.time(),
        params=head.params,
        metrics=head.metrics,
        environment=head.environment,
    )
    return commits.put(merged)


def integrate_branch(commits: CommitStore, refs: RefStore, model: str, branch: str, theirs: str, source: str) -> RefIntegration:
    """Move our ``branch`` to include ``theirs``; ``source`` names it in a merge message ("origin/main")."""
    ours = refs.get(model, HEADS, branch)
    if ours == theirs:
        return RefIntegration(model, HEADS, branch, ours, ours, UP_TO_DATE)
    if ours is None:
        new, status = theirs, CREATED
    elif is_ancestor(commits, ours, theirs):
        new, status = theirs, FAST_FORWARD
    elif is_ancestor(commits, theirs, ours):
        return RefIntegration(model, HEADS, branch, ours, ours, AHEAD)
    else:
        new, status = merge_commit(commits, ours, theirs, f"Merge {source} into {branch}"), MERGED
    try:
        refs.set_if_equals(model, HEADS, branch, ours, new)
    except RefConflictError as exc:
        raise RefConflictError(exc.args[0], hint="a local commit moved it meanwhile; run the pull again") from exc
    return RefIntegration(model, HEADS, branch, ours, new, status)


def integrate_tag(refs: RefStore, model: str, tag: str, theirs: str) -> RefIntegration:
    """Create a tag we lack; a tag we hold with another value is kept (tags never move silently)."""
    ours = refs.get(model, TAGS, tag)
    if ours == theirs:
        return RefIntegration(model, TAGS, tag, ours, ours, UP_TO_DATE)
    if ours is not None:
        return RefIntegration(model, TAGS, tag, ours, ours, KEPT_OURS)
    refs.set_if_equals(model, TAGS, tag, None, theirs)
    return RefIntegration(model, TAGS, tag, None, theirs, CREATED)
