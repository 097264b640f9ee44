"""What we last saw on each remote, kept in ``.tvc/remotes/<remote>/refs/...``.

Remote-tracking refs live outside ``.tvc/refs/`` so that every listing of "our"
refs (log, push, fsck) stays about our own branches and tags, and they reuse the
ref layout (a ``RefStore`` rooted at the remote's folder) so nothing new had to
be invented to read or move them. They serve three purposes: a fetch that finds
the remote unchanged reads no ref (the listing's MD5s match); gc keeps what a
fetch brought in; and a pull knows which remote head it merged.

``.tvc/lazy-remote`` names the remote a partial store (a clone without --all,
or a pull) fetches missing objects from on demand.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path
from urllib.parse import quote

from store.backend.local import LocalBackend, atomic_write
from store.objects.hashing import hash_bytes
from store.versioning import Ref, RefStore

REMOTES = "remotes"
LAZY_REMOTE = "lazy-remote"
_MAX_FOLDER = 200


def _folder(remote_name: str) -> str:
    """A file-system-safe folder per remote: its quoted name, or a hash of a very long URL."""
    quoted = quote(remote_name, safe="")
    return quoted if len(quoted) <= _MAX_FOLDER else "url-" + hash_bytes(remote_name.encode())[:32]


def tracking_refs(control: Path, remote_name: str) -> RefStore:
    return RefStore(LocalBackend(control / REMOTES / _folder(remote_name)))


def known_values(tracking: RefStore) -> dict[tuple[str, str, str], str]:
    return {(r.model, r.kind, r.name): r.commit for r in tracking.list()}


def remember(tracking: RefStore, refs: Iterable[Ref]) -> None:
    """Note that the remote holds ``refs`` (after a push); other tracking refs stay as they were."""
    for ref in refs:
        current = tracking.get(ref.model, ref.kind, ref.name)
        if current != ref.commit:
            tracking.set_if_equals(ref.model, ref.kind, ref.name, current, ref.commit)


def mirror(tracking: RefStore, seen: Iterable[Ref], models: Collection[str] | None) -> None:
    """Make the tracking refs of ``models`` (``None``: all) exactly ``seen``: refs gone there go here too."""
    now = {(r.model, r.kind, r.name): r.commit for r in seen}
    before = known_values(tracking)
    in_scope = (lambda model: True) if models is None else (lambda model: model in models)
    for key in sorted(set(now) | set(before)):
        if in_scope(key[0]) and now.get(key) != before.get(key):
            tracking.set_if_equals(*key, before.get(key), now.get(key))


def tracked_heads(control: Path) -> set[str]:
    """Every commit a remote-tracking ref holds: roots for gc besides our own refs."""
    folder = control / REMOTES
    if not folder.is_dir():
        return set()
    return {ref.commit for sub in folder.iterdir() if sub.is_dir() for ref in RefStore(LocalBackend(sub)).list()}


def lazy_remote(control: Path) -> str | None:
    """The remote this store fetches missing objects from, if it is a partial store."""
    try:
        name = (control / LAZY_REMOTE).read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


def set_lazy_remote(control: Path, remote_name: str) -> None:
    atomic_write(control / LAZY_REMOTE, f"{remote_name}\n".encode(), control / "tmp")
