"""Rev syntax ``NAME[@REV]``: which commit of which model a user means.

``REV`` is tried as a branch, then a tag, then a commit-id prefix (>= 6 hex
digits), and may end in ``~N`` steps back along first parents. Branch and tag
names cannot hold ``@`` or ``~``, so splitting at the last ``@`` and peeling
``~N`` off the end is never ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from store.errors import (
    AmbiguousRevisionError,
    InvalidNameError,
    ObjectNotFoundError,
    RevisionNotFoundError,
    StoreError,
)
from store.objects.db import ObjectDB, object_key, oid_from_key
from store.objects.header import Kind
from store.versioning.commits import Commit, CommitStore
from store.versioning.history import DEFAULT_BRANCH, iter_ancestors
from store.versioning.names import normalize_name
from store.versioning.refs import HEADS, TAGS, RefStore

MIN_PREFIX = 6
_STEPS = re.compile(r"(?:~\d*)+$")
_HEX = re.compile(r"[0-9a-fA-F]+")


@dataclass(frozen=True)
class ResolvedRev:
    name: str  # normalized model name
    commit: str  # full 64-hex commit id
    label: str  # the REV as written: "main", "v1", "3fa2b1~2"
    branch: str | None = None  # the branch, when REV is exactly one (so a commit may advance it)


def split_rev(text: str) -> tuple[str, str]:
    """Split ``NAME@REV`` at the last ``@``, without validating; no ``@`` means ``@main``."""
    name, sep, rev = text.rpartition("@")
    return (name, rev) if sep else (text, DEFAULT_BRANCH)


def parse_rev(text: str) -> tuple[str, str]:
    """(normalized name, rev) of ``NAME[@REV]``; ``InvalidNameError`` for a bad name or empty rev."""
    raw_name, rev = split_rev(text)
    if rev == "":
        raise InvalidNameError(f"nothing after '@' in {text!r}; give a branch, tag or commit id")
    return normalize_name(raw_name), rev


def split_steps(rev: str) -> tuple[str, int]:
    """``"v1~2~"`` -> ``("v1", 3)``: the base rev and how many first-parent steps back."""
    match = _STEPS.search(rev)
    if match is None:
        return rev, 0
    steps = sum(int(n) if n else 1 for n in match.group().split("~")[1:])
    return rev[: match.start()], steps


def resolve(refs: RefStore, commits: CommitStore, db: ObjectDB, text: str) -> ResolvedRev:
    """The commit ``NAME[@REV]`` names; ``RevisionNotFoundError`` / ``AmbiguousRevisionError`` otherwise."""
    name, rev = parse_rev(text)
    base, steps = split_steps(rev)
    if base == "":
        raise InvalidNameError(f"revision '{rev}' names no branch, tag or commit before '~'")
    commit_id, branch = _resolve_base(refs, commits, db, name, base, rev)
    for taken in range(steps):
        parent = commits.get(commit_id).parent
        if parent is None:
            raise RevisionNotFoundError(
                f"revision '{rev}' of model '{name}' goes back {steps} commits, but only {taken} came before"
            )
        commit_id = parent
    return ResolvedRev(name, commit_id, rev, branch if steps == 0 else None)


def _resolve_base(
    refs: RefStore, commits: CommitStore, db: ObjectDB, name: str, base: str, rev: str
) -> tuple[str, str | None]:
    for kind in (HEADS, TAGS):
        try:
            found = refs.get(name, kind, base)
        except InvalidNameError:  # e.g. "v1:x" cannot be a branch or tag; it may still be hex
            found = None
        if found is not None:
            return found, base if kind == HEADS else None
    hint = None
    if _HEX.fullmatch(base) and MIN_PREFIX <= len(base) <= 64:
        found = _match_prefix(refs, commits, db, name, base.lower())
        if found is not None:
            return found, None
    elif _HEX.fullmatch(base) and len(base) < MIN_PREFIX:
        hint = f"a commit-id prefix needs at least {MIN_PREFIX} hex digits"
    if not refs.names(name):
        raise RevisionNotFoundError(f"no model named '{name}'", hint="see the list of models")
    raise RevisionNotFoundError(f"unknown revision '{rev}' of model '{name}'", hint=hint)


def _match_prefix(refs: RefStore, commits: CommitStore, db: ObjectDB, name: str, prefix: str) -> str | None:
    """The one commit of ``name`` whose id starts with ``prefix``: reachable ones first, then any in the db.

    When nothing matches but a damaged object does, that damage is the error: "unknown
    revision" would send the user looking for a typo instead of running fsck.
    """
    damaged: list[StoreError] = []
    if len(prefix) == 64:
        commit = _commit_or_none(commits, db, prefix, damaged)
        if commit is not None and commit.name != name:
            raise RevisionNotFoundError(f"commit {prefix[:12]} belongs to model '{commit.name}', not '{name}'")
        if commit is None and damaged:
            raise damaged[0]
        return prefix if commit is not None else None
    heads = [ref.commit for ref in refs.list(name)]
    candidates = [oid for oid, _c in iter_ancestors(commits, heads, on_error=_ignore) if oid.startswith(prefix)]
    if not candidates:
        candidates = [
            oid
            for oid in _objects_with_prefix(db, prefix)
            if (c := _commit_or_none(commits, db, oid, damaged)) is not None and c.name == name
        ]
    if len(candidates) > 1:
        raise AmbiguousRevisionError(prefix, candidates)
    if not candidates and damaged:
        raise damaged[0]
    return candidates[0] if candidates else None


def _ignore(_oid: str, _exc: StoreError) -> None:
    """Unreadable history cannot match a prefix; fsck is the place to report it."""


def _commit_or_none(commits: CommitStore, db: ObjectDB, oid: str, damaged: list[StoreError]) -> Commit | None:
    """The commit ``oid``; ``None`` when absent or another kind; a damaged commit (or header) goes to ``damaged``."""
    try:
        if db.header(oid).kind != Kind.COMMIT:
            return None
        return commits.get(oid)
    except ObjectNotFoundError:
        return None
    except StoreError as exc:
        damaged.append(exc)
        return None


def _objects_with_prefix(db: ObjectDB, prefix: str) -> Iterator[str]:
    """Ids in the db starting with ``prefix``, listing only its fan-out folder."""
    folder = object_key(prefix.ljust(64, "0")).rsplit("/", 1)[0]
    for key in db.backend.list(folder):
        oid = oid_from_key(key)
        if oid is not None and oid.startswith(prefix):
            yield oid
