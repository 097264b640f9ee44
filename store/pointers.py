"""``PATH.tvc`` pointer files: the version of a tracked path that goes with this code.

Like DVC's ``.dvc`` files they are small, human-readable and meant for git, so
``git checkout <old>`` then ``tvc checkout`` brings back the model of that commit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from store.backend.local import atomic_write
from store.errors import StoreError
from store.objects import is_oid

SUFFIX = ".tvc"
HEADER = "# tvc pointer: commit this file to git; 'tvc checkout PATH' restores the version it names\n"


@dataclass(frozen=True)
class Pointer:
    name: str
    commit: str
    manifest: str
    size: int
    hash: str

    def dump(self) -> bytes:
        body = {"name": self.name, "commit": self.commit, "manifest": self.manifest, "size": self.size, "hash": self.hash}
        return (HEADER + yaml.safe_dump(body, sort_keys=False)).encode()


def pointer_path(target: Path) -> Path:
    return target.with_name(target.name + SUFFIX)


def target_of(pointer_file: Path) -> Path:
    return pointer_file.with_name(pointer_file.name[: -len(SUFFIX)])


def read_pointer(pointer_file: Path) -> Pointer:
    try:
        data = yaml.safe_load(pointer_file.read_text())
        pointer = Pointer(str(data["name"]), str(data["commit"]), str(data["manifest"]), int(data["size"]), str(data["hash"]))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"{pointer_file} is not a valid tvc pointer file ({exc})", hint="restore it from git or delete it") from exc
    if not (is_oid(pointer.commit) and is_oid(pointer.manifest) and is_oid(pointer.hash)):
        raise StoreError(f"{pointer_file} names an invalid object id", hint="restore it from git or delete it")
    return pointer


def write_pointer(target: Path, pointer: Pointer, tmp_dir: Path) -> None:
    atomic_write(pointer_path(target), pointer.dump(), tmp_dir)


def find_pointers(root: Path) -> list[Path]:
    """Every pointer file under ``root``, skipping hidden folders (.git, .tvc, .venv...)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(SUFFIX) and len(f) > len(SUFFIX))
    return found
