"""Branches and tags per model, moved only by compare-and-swap.

Key layout: ``refs/<quote(model)>/heads|tags/<quote(name)>``, both quoted with
``safe=""``. Quoting the model keeps "a/b" and "a" in different folders (the model
segment never holds a "/"), so no two (model, kind, name) triples share a key and
listing decodes keys back exactly. Quoting the branch too keeps keys flat, so a
branch "x" and a branch "x/y" can coexist on a local file system (git cannot).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote, unquote

from store.backend.base import Backend
from store.errors import CorruptRefError, InvalidNameError, RefConflictError
from store.objects.hashing import is_oid
from store.versioning.names import normalize_name, validate_ref_name

REFS = "refs"
HEADS = "heads"
TAGS = "tags"
KINDS = (HEADS, TAGS)
_LABELS = {HEADS: "branch", TAGS: "tag"}
#: Refs read at once when a listing cannot tell their values (remote reads are latency-bound).
READ_WORKERS = 8


@dataclass(frozen=True, order=True)
class Ref:
    model: str
    kind: str  # HEADS or TAGS
    name: str
    commit: str

    @property
    def label(self) -> str:
        """How the ref reads in messages: "branch 'main' of 'clf'"."""
        return describe(self.model, self.kind, self.name)


def describe(model: str, kind: str, name: str) -> str:
    return f"{_LABELS.get(kind, kind)} '{name}' of '{model}'"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"ref kind must be {HEADS!r} or {TAGS!r}, not {kind!r}")


def ref_key(model: str, kind: str, name: str) -> str:
    """The backend key of a ref; validates both names so nothing unsafe reaches storage."""
    _check_kind(kind)
    model = normalize_name(model)
    validate_ref_name(kind, name)
    return f"{REFS}/{quote(model, safe='')}/{kind}/{quote(name, safe='')}"


def parse_ref_key(key: str) -> tuple[str, str, str] | None:
    """(model, kind, name) of a key we wrote; ``None`` for lock files and foreign keys."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != REFS or parts[2] not in KINDS:
        return None
    model, name = unquote(parts[1]), unquote(parts[3])
    # Only the canonical encoding counts: anything else was not written by us.
    if quote(model, safe="") != parts[1] or quote(name, safe="") != parts[3]:
        return None
    try:
        if normalize_name(model) != model:
            return None
        validate_ref_name(parts[2], name)
    except InvalidNameError:
        return None  # includes "<ref>.lock" files of a write in progress
    return model, parts[2], name


def _encode(commit: str | None) -> bytes | None:
    if commit is None:
        return None
    if not is_oid(commit):
        raise ValueError(f"a ref must hold a full 64-hex commit id, not {commit!r}")
    return f"{commit}\n".encode()


class RefStore:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def get(self, model: str, kind: str, name: str) -> str | None:
        """The commit id a ref holds, or ``None`` when the ref does not exist."""
        key = ref_key(model, kind, name)
        try:
            raw = self.backend.read(key)
        except FileNotFoundError:
            return None
        text = raw.decode("ascii", errors="replace")
        commit = text[:-1] if text.endswith("\n") else text
        if not is_oid(commit):
            raise CorruptRefError(f"{describe(model, kind, name)} ({key}) does not hold a commit id: {text[:80]!r}")
        return commit

    def set_if_equals(self, model: str, kind: str, name: str, old: str | None, new: str | None) -> None:
        """Move a ref from ``old`` to ``new`` atomically (``None`` = absent / delete).

        Raises ``RefConflictError`` when the ref no longer holds ``old``.
        """
        key = ref_key(model, kind, name)
        try:
            self.backend.compare_and_swap(key, _encode(old), _encode(new))
        except RefConflictError as exc:
            raise RefConflictError(f"{describe(model, kind, name)} moved while updating it ({exc})") from exc

    def names(self, model: str | None = None) -> list[tuple[str, str, str]]:
        """Every (model, kind, name) present, sorted, without reading any ref's value."""
        prefix = REFS if model is None else f"{REFS}/{quote(normalize_name(model), safe='')}"
        found = (parse_ref_key(key) for key in self.backend.list(prefix))
        return sorted(t for t in found if t is not None)

    def list(self, model: str | None = None) -> list[Ref]:
        """Every ref (of ``model`` or of all models), sorted; a corrupt ref raises ``CorruptRefError``."""
        out = []
        for m, kind, name in self.names(model):
            commit = self.get(m, kind, name)
            if commit is not None:  # deleted between listing and reading
                out.append(Ref(m, kind, name, commit))
        return out

    def scan(self, known: Mapping[tuple[str, str, str], str] | None = None) -> list[Ref]:
        """Every ref, sorted, from one listing plus a read of each ref whose value we cannot tell.

        ``known`` maps (model, kind, name) to the commit we believe a ref holds (our
        own ref, or what a remote held last time). When the listing's MD5 for that
        key equals the MD5 of that value, the ref is not read: so checking a remote
        whose refs did not move costs one request, however many models it holds.
        """
        known = known or {}
        unknown: list[tuple[str, str, str]] = []
        out: list[Ref] = []
        for key, md5 in self.backend.list_md5(REFS).items():
            parsed = parse_ref_key(key)
            if parsed is None:
                continue
            guess = known.get(parsed)
            if guess is not None and md5 == hashlib.md5(_encode(guess)).hexdigest():
                out.append(Ref(*parsed, guess))
            else:
                unknown.append(parsed)
        with ThreadPoolExecutor(max(1, min(READ_WORKERS, len(unknown)))) as pool:
            for triple, commit in zip(unknown, pool.map(lambda t: self.get(*t), unknown)):
                if commit is not None:  # deleted between listing and reading
                    out.append(Ref(*triple, commit))
        return sorted(out)

    def models(self) -> list[str]:
        """Names of every model that has at least one ref, sorted."""
        return sorted({m for m, _kind, _name in self.names()})
