"""Remotes: which store root a name or URL means (DVC's configuration), and reading one lazily."""

from store.remotes.connect import Remote, absolute_url, clone_source, connect, is_url, list_remotes, store_root
from store.remotes.dvc_config import DvcRemote, add_remote, find_project, init_project
from store.remotes.reader import RemoteStore, check_remote, default_cache_dir

__all__ = [
    "DvcRemote",
    "Remote",
    "RemoteStore",
    "absolute_url",
    "clone_source",
    "add_remote",
    "check_remote",
    "connect",
    "default_cache_dir",
    "find_project",
    "init_project",
    "is_url",
    "list_remotes",
    "store_root",
]
