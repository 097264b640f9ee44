"""Model, branch and tag names: one spelling per name, and nothing a path or rev could misread.

Model names double as relative file paths (``models/net.keras``) and are the
``NAME`` of ``NAME@REV``, so they may not hold ``@`` and may not escape the
working tree. Branch and tag names follow git's rules so they survive rev
parsing (``~``), shells and file systems.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from store.errors import InvalidNameError

#: Longest encoded path segment we write; file systems cap a segment at 255 bytes
#: and lock files add ".lock".
MAX_ENCODED_SEGMENT = 240

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_REF_FORBIDDEN = re.compile(r"[\s~^:?*\[\\@]")
_KIND_LABELS = {"heads": "branch", "tags": "tag"}


def normalize_name(name: str) -> str:
    """The one spelling of a model name: ``./models//net.keras`` -> ``models/net.keras``.

    Raises ``InvalidNameError`` saying what is wrong, so a typo never becomes a new model.
    """
    if not isinstance(name, str):
        raise InvalidNameError(f"model name must be a string, not {type(name).__name__}")
    shown = repr(name)
    if name == "":
        raise InvalidNameError("model name is empty")
    if _CONTROL.search(name):
        raise InvalidNameError(f"model name {shown} contains a control character")
    if "\\" in name:
        raise InvalidNameError(f"model name {shown} contains a backslash; use '/' between folders")
    if "@" in name:
        raise InvalidNameError(f"model name {shown} contains '@', which separates a name from its revision")
    if name.startswith("/") or re.match(r"^[A-Za-z]:(/|$)", name):
        raise InvalidNameError(f"model name {shown} is an absolute path; give a path relative to the repository")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InvalidNameError(f"model name {shown} contains a '..' component")
    if not parts:
        raise InvalidNameError(f"model name {shown} names no file or model")
    normalized = "/".join(parts)
    if len(quote(normalized, safe="")) > MAX_ENCODED_SEGMENT:
        raise InvalidNameError(f"model name {shown} is too long to store")
    return normalized


def validate_ref_name(kind: str, name: str) -> str:
    """Check a branch or tag name (``kind`` is "heads"/"tags" or "branch"/"tag"); returns it.

    Git's rules, plus no ``@`` (rev syntax) and no ``.lock`` suffix (our lock files).
    """
    label = _KIND_LABELS.get(kind, kind)
    if not isinstance(name, str):
        raise InvalidNameError(f"{label} name must be a string, not {type(name).__name__}")
    shown = repr(name)
    if name == "":
        raise InvalidNameError(f"{label} name is empty")
    if _CONTROL.search(name):
        raise InvalidNameError(f"{label} name {shown} contains a control character")
    bad = _REF_FORBIDDEN.search(name)
    if bad:
        what = "whitespace" if bad.group().isspace() else repr(bad.group())
        raise InvalidNameError(f"{label} name {shown} contains {what}")
    if name.startswith("-"):
        raise InvalidNameError(f"{label} name {shown} starts with '-'")
    if ".." in name:
        raise InvalidNameError(f"{label} name {shown} contains '..'")
    for part in name.split("/"):
        if part == "":
            raise InvalidNameError(f"{label} name {shown} has an empty '/'-separated component")
        if part.startswith("."):
            raise InvalidNameError(f"{label} name {shown} has a component starting with '.'")
        if part.endswith(".lock"):
            raise InvalidNameError(f"{label} name {shown} has a component ending in '.lock'")
    if name.endswith("."):
        raise InvalidNameError(f"{label} name {shown} ends with '.'")
    if len(quote(name, safe="")) > MAX_ENCODED_SEGMENT:
        raise InvalidNameError(f"{label} name {shown} is too long to store")
    return name
