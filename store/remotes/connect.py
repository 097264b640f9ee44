"""Which store root ``-r X`` means, and a backend for it.

``X`` is a URL when it holds ``://`` or starts with ``/``, ``./``, ``../`` or ``~``:
then it is the store root itself. Anything else is the name of a DVC remote, looked
up in the DVC configuration of the folder tree around the working directory (no
``.tvc/`` needed); its store root is ``<remote url>/tvc``, so DVC's ``files/md5/``
and tvc's objects never mix. No ``X`` means DVC's default remote.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.backend.base import Backend
from store.backend.local import LocalBackend
from store.errors import RemoteError, StoreError
from store.remotes import dvc_config

STORE_FOLDER = "tvc"  # under a DVC remote's URL
STORE_CONFIG = "config"  # present at every store root
_URL_STARTS = ("/", "./", "../", "~")
_S3_PROTOCOLS = ("s3", "s3a")


def is_url(spec: str) -> bool:
    return "://" in spec or spec.startswith(_URL_STARTS) or spec in (".", "..")


@dataclass(frozen=True)
class Remote:
    name: str  # the DVC remote's name, or the URL (absolute for a local folder)
    url: str  # the store root
    backend: Backend


def absolute_url(spec: str, cwd: Path) -> str:
    """A URL that means the same from any working directory: local paths made absolute."""
    if spec.startswith("file://"):
        spec = spec[len("file://") :]
    elif "://" in spec:
        return spec.rstrip("/")
    return os.path.normpath(cwd / Path(spec).expanduser())


def store_root(dvc_url: str) -> str:
    """Where tvc keeps its store under a DVC remote's URL."""
    return posixpath.join(dvc_url.rstrip("/"), STORE_FOLDER)


def backend_for_url(url: str) -> Backend:
    """A backend for an absolute URL (see ``absolute_url``)."""
    if "://" not in url:
        return LocalBackend(url)
    import fsspec

    fs, path = fsspec.url_to_fs(url)
    return backend_over(fs, path)


def backend_over(fs: Any, root: str) -> Backend:
    from store.backend.fsspec_backend import FsspecBackend, protocol_of

    if protocol_of(fs) in _S3_PROTOCOLS:
        from store.backend.s3 import S3Backend

        return S3Backend(fs, root)
    return FsspecBackend(fs, root)


def connect(spec: str | None, cwd: Path) -> Remote:
    """The remote ``spec`` names (see the module doc), ready to use."""
    if spec is not None and is_url(spec):
        url = absolute_url(spec, cwd)
        return _connected(url, url, lambda: backend_for_url(url))
    config = dvc_config.load_config(cwd)
    name = spec if spec is not None else dvc_config.default_remote(config)

    def build() -> Backend:
        _protocol, fs, path = dvc_config.remote_filesystem(config, name)
        root = store_root(path)
        return LocalBackend(root) if fs is None else backend_over(fs, root)

    return _connected(name, f"DVC remote '{name}'", build)


def _connected(name: str, label: str, build: Callable[[], Backend]) -> Remote:
    try:
        backend = build()
    except StoreError:
        raise
    except Exception as exc:  # missing credentials, bad endpoint: whatever a file system's constructor refuses
        raise RemoteError(f"cannot connect to {label}: {type(exc).__name__}: {exc}") from exc
    return Remote(name, backend.url, backend)


def list_remotes(cwd: Path) -> list[tuple[dvc_config.DvcRemote, str]]:
    """Every DVC remote around ``cwd`` with its store root, without connecting to any."""
    config = dvc_config.load_config(cwd)
    return [(remote, store_root(remote.url)) for remote in dvc_config.remotes(config)]


def clone_source(spec: str, cwd: Path) -> tuple[str, Remote]:
    """The store to clone from ``spec``, and the URL to record for it as a DVC remote.

    A DVC remote's store is ``<url>/tvc``, so ``spec`` may be that URL (what
    ``dvc remote add`` was given) or the store root itself when it ends in ``/tvc``
    (what ``tvc remote list`` prints); either way the recorded URL leads back here.
    """
    if not is_url(spec):
        raise RemoteError(f"clone takes a URL, not '{spec}'", hint="e.g. s3://bucket/path, /mnt/models or ./remote")
    url = absolute_url(spec, cwd)
    candidates = [(url, store_root(url))]
    if posixpath.basename(url) == STORE_FOLDER:
        candidates.append((posixpath.dirname(url), url))
    for dvc_url, root in candidates:
        remote = connect(root, cwd)
        if remote.backend.exists(STORE_CONFIG):
            return dvc_url, remote
    if backend_for_url(url).exists(STORE_CONFIG):
        raise RemoteError(
            f"{url} holds a tvc store, but not where a DVC remote keeps one (URL/tvc), so it cannot become 'origin'",
            hint="push to a DVC remote, or to a URL ending in /tvc, to clone from it",
        )
    raise RemoteError(f"no tvc store at {store_root(url)}", hint="give the URL of a DVC remote tvc pushed to")
