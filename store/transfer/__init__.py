"""Moving versions between stores: push, fetch (and pull's pieces), verbatim and resumable."""

from store.transfer.copy import DEFAULT_JOBS, copy_objects
from store.transfer.endpoint import Endpoint, ensure_store, require_store
from store.transfer.fetch import fetch, fetch_versions
from store.transfer.pull import PullPlan, clone, integrate, plan_pull, pull, reading_through
from store.transfer.push import push, select_refs
from store.transfer.report import RefUpdate, TransferReport
from store.transfer.tracking import lazy_remote, set_lazy_remote, tracked_heads, tracking_refs

__all__ = [
    "DEFAULT_JOBS",
    "Endpoint",
    "PullPlan",
    "RefUpdate",
    "TransferReport",
    "clone",
    "copy_objects",
    "ensure_store",
    "fetch",
    "fetch_versions",
    "integrate",
    "lazy_remote",
    "plan_pull",
    "pull",
    "push",
    "reading_through",
    "require_store",
    "select_refs",
    "set_lazy_remote",
    "tracked_heads",
    "tracking_refs",
]
