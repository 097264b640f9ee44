"""Moving refs safely: commit onto a branch, create a branch, set a tag.

Every move is a compare-and-swap from the value we read, so two writers can never
both think they advanced a branch. A commit whose branch moved underneath it is
rebuilt on the new head once (the objects are already stored, so that is cheap);
a second conflict goes back to the user instead of looping.
"""

from __future__ import annotations

from collections.abc import Callable

from store.errors import RefConflictError, RefExistsError
from store.versioning.commits import Commit, CommitStore
from store.versioning.refs import HEADS, TAGS, RefStore, describe

ATTEMPTS = 2


def record_commit(
    commits: CommitStore,
    refs: RefStore,
    name: str,
    branch: str,
    make_commit: Callable[[str | None], Commit],
) -> str:
    """Store ``make_commit(head)`` and advance ``branch`` of ``name`` to it; returns the new commit id.

    ``make_commit`` gets the current head (``None`` for a new branch) and must
    return a commit whose parents are ``(head,)`` or ``()`` and whose name is ``name``.
    """
    for _attempt in range(ATTEMPTS):
        head = refs.get(name, HEADS, branch)
        commit = make_commit(head)
        expected = (head,) if head is not None else ()
        if commit.parents != expected:
            raise ValueError(f"make_commit returned parents {commit.parents}, expected {expected}")
        if commit.name != name:
            raise ValueError(f"make_commit returned a commit of '{commit.name}', expected '{name}'")
        oid = commits.put(commit)
        commits.db.sync()  # chunks, manifest and commit are on disk before the ref names them
        try:
            refs.set_if_equals(name, HEADS, branch, head, oid)
        except RefConflictError:
            continue
        return oid
    raise RefConflictError(
        f"{describe(name, HEADS, branch)} moved while committing, twice (another writer is committing too)",
        hint="run the commit again",
    )


def move_tag(refs: RefStore, name: str, tag: str, commit_id: str, force: bool = False) -> str | None:
    """Point ``tag`` at ``commit_id`` (already resolved, so known to exist); returns the previous target.

    An existing tag is never moved silently: that needs ``force``.
    """
    current = refs.get(name, TAGS, tag)
    if current == commit_id:
        return current
    if current is not None and not force:
        raise RefExistsError(f"{describe(name, TAGS, tag)} already points to {current[:12]}")
    refs.set_if_equals(name, TAGS, tag, current, commit_id)
    return current


def create_branch(refs: RefStore, name: str, branch: str, commit_id: str) -> None:
    """Create ``branch`` at ``commit_id``; refuses an existing branch, even one made concurrently."""
    current = refs.get(name, HEADS, branch)
    exists = RefExistsError(
        f"{describe(name, HEADS, branch)} already exists", hint="choose another name or use the existing branch"
    )
    if current is not None:
        raise exists
    try:
        refs.set_if_equals(name, HEADS, branch, None, commit_id)
    except RefConflictError:
        raise exists from None
