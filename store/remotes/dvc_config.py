"""DVC's configuration is tvc's: remotes are read and written through dvc's own config API.

So ``dvc remote add -d store s3://bucket/path`` and ``dvc remote modify store
endpointurl ...`` (and credentials in ``.dvc/config.local``, a profile, a region:
whatever dvc-s3 understands) configure tvc with no second file, and dvc resolves
relative local paths, levels (system, global, repo, local) and validation exactly
as it does for itself. dvc is imported only here, inside functions: it costs about
a quarter of a second, which only commands that talk to a remote should pay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.errors import RemoteError

DVC_DIR = ".dvc"


@dataclass(frozen=True)
class DvcRemote:
    name: str
    url: str  # as dvc resolved it: local paths are absolute
    is_default: bool


def find_project(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.dvc/``, as dvc finds its root."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / DVC_DIR).is_dir():
            return folder
    return None


def load_config(start: Path) -> Any:
    """dvc's merged configuration for ``start``: the project's (if any), global and system levels."""
    from dvc.config import Config, ConfigError

    project = find_project(start)
    try:
        return Config(dvc_dir=str(project / DVC_DIR) if project else None)
    except ConfigError as exc:
        raise RemoteError(f"DVC configuration is invalid: {exc}") from exc


def remotes(config: Any) -> list[DvcRemote]:
    default = config["core"].get("remote")
    return [DvcRemote(name, section["url"], name == default) for name, section in sorted(config["remote"].items())]


def default_remote(config: Any) -> str:
    name = config["core"].get("remote")
    if not name:
        hint = "pass -r NAME|URL, or make one the default: 'tvc remote add -d NAME URL' (or 'dvc remote default NAME')"
        raise RemoteError("no remote given and DVC has no default remote", hint=hint)
    return name


def remote_filesystem(config: Any, name: str) -> tuple[str, Any, str]:
    """(protocol, fsspec file system or ``None`` for a local folder, path) of the DVC remote ``name``.

    The file system comes from dvc's own plugin (dvc-s3 builds s3fs with the
    remote's endpoint, credentials, profile and region applied).
    """
    from dvc.config import ConfigError
    from dvc.fs import get_cloud_fs

    if name not in config["remote"]:
        known = ", ".join(sorted(config["remote"])) or "none"
        raise RemoteError(f"no DVC remote named '{name}' (configured: {known})", hint="see 'tvc remote list'")
    try:
        cls, options, path = get_cloud_fs(config, name=name)
    except ConfigError as exc:
        raise RemoteError(f"DVC remote '{name}' is misconfigured: {exc}") from exc
    if cls.protocol == "local":
        return "local", None, path
    return cls.protocol, cls(**options).fs, path


def add_remote(project: Path, name: str, url: str, default: bool) -> Path:
    """Write remote ``name`` into ``project``'s ``.dvc/config`` (creating a DVC project there if needed).

    A relative local path is taken relative to the working directory, as with
    ``dvc remote add``; dvc stores it relative to the config file.
    """
    from dvc.config import ConfigError

    if not (project / DVC_DIR).is_dir():
        init_project(project)
    config = load_config(project)
    try:
        with config.edit("repo") as conf:
            conf["remote"][name] = {"url": url}
            if default:
                conf["core"]["remote"] = name
    except ConfigError as exc:
        raise RemoteError(f"cannot add remote '{name}': {exc}") from exc
    return project / DVC_DIR / "config"


def init_project(folder: Path, git: bool | None = None) -> None:
    """``dvc init`` in ``folder``: ``--subdir`` inside a git work tree (``git=None``: look), else ``--no-scm``."""
    from dvc.repo import Repo

    if git is None:
        git = any((f / ".git").exists() for f in (folder.absolute(), *folder.absolute().parents))
    dvc_log = logging.getLogger("dvc")
    level = dvc_log.level
    dvc_log.setLevel(logging.WARNING)  # not dvc's "Initialized DVC repository" banner in our output
    try:
        Repo.init(str(folder), no_scm=not git, subdir=git)
    finally:
        dvc_log.setLevel(level)
