"""A store root under an S3 prefix (AWS, MinIO, moto...), through s3fs's client.

Requests go straight to the S3 API (``call_s3``) rather than through s3fs's
file-system layer, whose listing cache could answer "absent" for a key another
writer just added, and so that every operation costs a known number of requests:

- a PUT is atomic (readers see the old object or the new one), so ``write`` is one PUT;
- refs move by conditional writes: ``If-None-Match: *`` creates, ``If-Match: <etag>``
  replaces or deletes. The ETag of a plain upload is the MD5 of its bytes, so the
  expected value's MD5 is tried first (one request); only when the server's ETag is
  something else (SSE-KMS, multipart) is the object read for its real ETag;
- ``exists_many`` lists instead of asking key by key: one page of ``objects/`` when the
  store is small, else one request per fan-out folder.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fsspec.asyn import sync

from store.backend.fsspec_backend import FsspecBackend
from store.errors import RefConflictError

#: Threads asking about fan-out folders at once; each request is tiny.
CHECK_WORKERS = 16
#: A whole listing is tried when it would take at most one page per this many folders.
FOLDERS_PER_PAGE = 4
#: S3 error codes that mean "the condition did not hold" (409: a concurrent conditional write won).
_CONDITION_CODES = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}


def md5_etag(data: bytes) -> str:
    """The ETag S3 gives a plain single-part upload of ``data``."""
    return f'"{hashlib.md5(data).hexdigest()}"'


def _condition_failed(exc: BaseException) -> bool:
    """Did a conditional request fail its condition (rather than for any other reason)?"""
    if isinstance(exc, FileExistsError):  # s3fs's translation of a failed If-None-Match
        return True
    response = getattr(exc.__cause__, "response", None) or {}
    return response.get("Error", {}).get("Code") in _CONDITION_CODES


class S3Backend(FsspecBackend):
    def __init__(self, fs: Any, root: str) -> None:
        super().__init__(fs, root)
        self.url = f"s3://{self.root}"
        self.bucket, _, prefix = self.root.partition("/")
        self.prefix = f"{prefix}/" if prefix else ""
        fs.connect()  # create the client once, before threads race to do it

    def _key(self, key: str) -> str:
        return self.prefix + key

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        return self.fs.call_s3(method, Bucket=self.bucket, **kwargs)

    def read(self, key: str) -> bytes:
        return self._get(key)[0]

    def read_head(self, key: str, length: int) -> bytes:
        return self._get(key, Range=f"bytes=0-{length - 1}")[0]

    def write(self, key: str, data: bytes) -> None:
        self._call("put_object", Key=self._key(key), Body=data)

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", Key=self._key(key))
        except FileNotFoundError:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._call("head_object", Key=self._key(key))["ContentLength"])

    def modified(self, key: str) -> float:
        return self._call("head_object", Key=self._key(key))["LastModified"].timestamp()

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=self._key(key))

    # listing

    def _pages(self, prefix: str) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        """ListObjectsV2 pages (up to 1000 keys each) under the folder ``prefix``, each with "more follow"."""
        folder = self._key(prefix.rstrip("/") + "/") if prefix else self.prefix
        token: dict[str, str] = {}
        while True:
            page = self._call("list_objects_v2", Prefix=folder, **token)
            more = bool(page.get("IsTruncated"))
            yield page.get("Contents", []), more
            if not more:
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def _relative(self, s3_key: str) -> str:
        return s3_key[len(self.prefix) :]

    def list(self, prefix: str) -> Iterator[str]:
        for page, _more in self._pages(prefix):
            for item in page:
                yield self._relative(item["Key"])

    def list_md5(self, prefix: str) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for page, _more in self._pages(prefix):
            for item in page:
                etag = item.get("ETag", "").strip('"')
                out[self._relative(item["Key"])] = etag if len(etag) == 32 else None
        return out

    def exists_many(self, keys: Iterable[str]) -> set[str]:
        wanted = set(keys)
        folders: dict[str, set[str]] = {}
        for key in wanted:
            folders.setdefault(posixpath.dirname(key), set()).add(key)
        if not folders:
            return set()
        budget = len(folders) // FOLDERS_PER_PAGE
        if budget:
            listed = self._list_within(posixpath.commonpath(list(folders)), budget)
            if listed is not None:
                return wanted & listed
        with ThreadPoolExecutor(min(CHECK_WORKERS, len(folders)), thread_name_prefix="tvc-s3-check") as pool:
            return set().union(*pool.map(self._present_in_folder, folders.items()))

    def _list_within(self, prefix: str, max_pages: int) -> set[str] | None:
        """Every key under ``prefix`` if that takes at most ``max_pages`` requests, else ``None``."""
        found: set[str] = set()
        for count, (page, more) in enumerate(self._pages(prefix), start=1):
            found.update(self._relative(item["Key"]) for item in page)
            if more and count == max_pages:
                return None
        return found

    def _present_in_folder(self, item: tuple[str, set[str]]) -> set[str]:
        folder, members = item
        if len(members) == 1:
            return {key for key in members if self.exists(key)}
        return members & set(self.list(folder))

    # refs

    def compare_and_swap(self, key: str, expected: bytes | None, new: bytes | None) -> None:
        s3_key = self._key(key)
        try:
            if expected is None and new is None:
                if self.exists(key):
                    raise RefConflictError(f"{key} exists")
            elif expected is None:
                self._call("put_object", Key=s3_key, Body=new, IfNoneMatch="*")
            elif new is None:
                self._if_match("delete_object", key, expected)
            else:
                self._if_match("put_object", key, expected, Body=new)
        except OSError as exc:
            if _condition_failed(exc):
                raise RefConflictError(f"{self.url}/{key} changed since it was read") from exc
            raise

    def _if_match(self, method: str, key: str, expected: bytes, **kwargs: Any) -> None:
        """``method`` on ``key`` only if it still holds ``expected``."""
        guess = md5_etag(expected)
        try:
            self._call(method, Key=self._key(key), IfMatch=guess, **kwargs)
            return
        except OSError as exc:  # a failed condition, or (FileNotFoundError) no such key
            if not (_condition_failed(exc) or isinstance(exc, FileNotFoundError)):
                raise
        try:
            current, etag = self._get(key)
        except FileNotFoundError:
            raise RefConflictError(f"{self.url}/{key} was deleted since it was read") from None
        if current != expected or etag == guess:
            raise RefConflictError(f"{self.url}/{key} changed since it was read")
        self._call(method, Key=self._key(key), IfMatch=etag, **kwargs)

    def _get(self, key: str, **options: str) -> tuple[bytes, str]:
        """(bytes, ETag) of one GET: s3fs's ``cat_file`` may HEAD first to plan a parallel download."""

        async def get() -> tuple[bytes, str]:
            response = await self.fs._call_s3("get_object", Bucket=self.bucket, Key=self._key(key), **options)
            async with response["Body"] as body:
                return await body.read(), response["ETag"]

        return sync(self.fs.loop, get)
