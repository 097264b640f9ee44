"""Versioning on top of the object store: names, refs, commits, revs, log, diff, gc, fsck."""

from store.versioning.commit_flow import create_branch, move_tag, record_commit
from store.versioning.commits import Commit, CommitStore, default_author, environment_info
from store.versioning.diff import FileDiff, ManifestDiff, TensorDiff, diff_manifests
from store.versioning.fsck import BadRef, FsckReport, check_store
from store.versioning.gc import GcReport, Reachability, collect_garbage, reachable
from store.versioning.history import DEFAULT_BRANCH, decorations, head_of, iter_ancestors, log
from store.versioning.merge import RefIntegration, integrate_branch, integrate_tag, is_ancestor, merge_commit
from store.versioning.names import normalize_name, validate_ref_name
from store.versioning.refs import HEADS, TAGS, Ref, RefStore
from store.versioning.revs import ResolvedRev, parse_rev, resolve, split_rev

__all__ = [
    "DEFAULT_BRANCH",
    "HEADS",
    "TAGS",
    "BadRef",
    "Commit",
    "CommitStore",
    "FileDiff",
    "FsckReport",
    "GcReport",
    "ManifestDiff",
    "Reachability",
    "Ref",
    "RefIntegration",
    "RefStore",
    "ResolvedRev",
    "TensorDiff",
    "check_store",
    "collect_garbage",
    "create_branch",
    "decorations",
    "default_author",
    "diff_manifests",
    "environment_info",
    "head_of",
    "integrate_branch",
    "integrate_tag",
    "is_ancestor",
    "iter_ancestors",
    "log",
    "merge_commit",
    "move_tag",
    "normalize_name",
    "parse_rev",
    "reachable",
    "record_commit",
    "resolve",
    "split_rev",
    "validate_ref_name",
]
