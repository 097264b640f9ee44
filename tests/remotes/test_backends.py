"""One contract for every store root: local folder, S3 (moto's server), any other fsspec file system."""

from __future__ import annotations

import hashlib
from pathlib import Path

import fsspec
import pytest

from store.backend.base import Backend
from store.backend.fsspec_backend import FsspecBackend
from store.backend.local import LocalBackend
from store.backend.s3 import S3Backend
from store.errors import RefConflictError, RemoteError
from store.remotes import connect

KINDS = ["local", "s3"]


@pytest.fixture(params=KINDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return LocalBackend(tmp_path / "store")
    s3 = request.getfixturevalue("s3_env")
    made = connect(s3.url("root/tvc"), tmp_path).backend
    assert isinstance(made, S3Backend)
    return made


def test_write_read_list_delete(backend: Backend) -> None:
    backend.write("objects/ab/cd", b"hello")
    backend.write("refs/m/heads/main", b"x\n")
    assert backend.read("objects/ab/cd") == b"hello"
    assert backend.read_head("objects/ab/cd", 2) == b"he"
    assert backend.exists("objects/ab/cd") and not backend.exists("objects/ab/zz")
    assert backend.size("objects/ab/cd") == 5
    assert backend.modified("objects/ab/cd") > 0
    assert sorted(backend.list("objects")) == ["objects/ab/cd"]
    assert sorted(backend.list("refs")) == ["refs/m/heads/main"]
    assert list(backend.list("nothing")) == []
    with pytest.raises(FileNotFoundError):
        backend.read("objects/ab/zz")
    backend.delete("objects/ab/cd")
    backend.delete("objects/ab/cd")  # absent is fine
    assert not backend.exists("objects/ab/cd")


def test_a_prefix_is_a_folder_not_a_string_prefix(backend: Backend) -> None:
    backend.write("refs/a/heads/main", b"1")
    backend.write("refs/ab/heads/main", b"2")
    assert list(backend.list("refs/a")) == ["refs/a/heads/main"]


def test_exists_many(backend: Backend) -> None:
    present = {f"objects/{i:02x}/{'0' * 62}" for i in range(0, 40, 2)}
    for key in present:
        backend.write(key, b"o")
    asked = present | {f"objects/{i:02x}/{'1' * 62}" for i in range(40)}
    assert backend.exists_many(asked) == present
    assert backend.exists_many([]) == set()
    assert backend.exists_many(sorted(present)[:1]) == set(sorted(present)[:1])


def test_list_md5_proves_unchanged_values_or_says_nothing(backend: Backend) -> None:
    backend.write("refs/m/heads/main", b"abc\n")
    claims = backend.list_md5("refs")
    assert set(claims) == {"refs/m/heads/main"}
    assert claims["refs/m/heads/main"] in (None, hashlib.md5(b"abc\n").hexdigest())


def test_compare_and_swap(backend: Backend) -> None:
    key = "refs/m/heads/main"
    backend.compare_and_swap(key, None, b"one\n")
    with pytest.raises(RefConflictError):
        backend.compare_and_swap(key, None, b"two\n")  # create, but it exists
    with pytest.raises(RefConflictError):
        backend.compare_and_swap(key, b"stale\n", b"two\n")  # replace, but it holds something else
    assert backend.read(key) == b"one\n"
    backend.compare_and_swap(key, b"one\n", b"two\n")
    assert backend.read(key) == b"two\n"
    with pytest.raises(RefConflictError):
        backend.compare_and_swap(key, b"one\n", None)  # delete, but it moved
    backend.compare_and_swap(key, b"two\n", None)
    assert not backend.exists(key)
    with pytest.raises(RefConflictError):
        backend.compare_and_swap(key, b"two\n", b"three\n")  # replace, but it is gone
    backend.compare_and_swap(key, None, None)


def test_s3_swap_is_one_request(s3_env, tmp_path: Path) -> None:
    """If-Match with the MD5 of the expected value: no read before the write."""
    backend = connect(s3_env.url("r/tvc"), tmp_path).backend
    backend.compare_and_swap("refs/m/heads/main", None, b"one\n")
    mark = s3_env.log.mark()
    backend.compare_and_swap("refs/m/heads/main", b"one\n", b"two\n")
    assert [(r.method, r.status) for r in s3_env.log.since(mark)] == [("PUT", 200)]


def test_s3_exists_many_lists_a_small_store_once(s3_env, tmp_path: Path) -> None:
    backend = connect(s3_env.url("r/tvc"), tmp_path).backend
    backend.write(f"objects/00/{'0' * 62}", b"o")
    asked = {f"objects/{i:02x}/{'1' * 62}" for i in range(200)}
    mark = s3_env.log.mark()
    assert backend.exists_many(asked) == set()
    assert len(s3_env.log.since(mark)) == 1


def test_other_file_systems_read_and_write_but_never_move_refs(tmp_path: Path) -> None:
    fs = fsspec.filesystem("memory")
    backend = FsspecBackend(fs, f"/contract-{tmp_path.name}")
    backend.write("objects/ab/cd", b"hello")
    assert backend.read("objects/ab/cd") == b"hello" and backend.read_head("objects/ab/cd", 1) == b"h"
    assert list(backend.list("objects")) == ["objects/ab/cd"]
    assert backend.exists_many(["objects/ab/cd", "objects/ab/ce"]) == {"objects/ab/cd"}
    assert backend.size("objects/ab/cd") == 5
    with pytest.raises(RemoteError, match="conditional writes"):
        backend.compare_and_swap("refs/m/heads/main", None, b"x\n")
    backend.delete("objects/ab/cd")
    assert not backend.exists("objects/ab/cd")
