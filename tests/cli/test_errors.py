"""Failures: one line "tvc: error: ..." on stderr and exit 1; tracebacks only with -v."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from store.api import Repo
from store.objects import hash_bytes
from store.versioning import Commit


@pytest.fixture
def committed(repo_dir: Path, tvc, make_weights) -> str:
    make_weights(repo_dir / "models/w.npy")
    return tvc("commit", "-q", "models/w.npy").stdout.strip()


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tvc, error_line) -> None:
    monkeypatch.chdir(tmp_path)
    result = tvc("log", code=1)
    assert "not a tvc repository" in error_line(result.stderr) and "tvc init" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("show", "models/w.npy@nope"), "unknown revision"),
        (("show", "nosuch/model"), "no model named"),
        (("diff", "models/w.npy", "models/w.npy@nope"), "unknown revision"),
        (("checkout", "models/w.npy@nope"), "unknown revision"),
        (("log", "models/w.npy@"), "nothing after '@'"),
        (("commit", "models/w.npy", "--name", "../x"), "'..'"),
        (("commit", "models/missing.npy"), "does not exist"),
        (("tag", "bad tag", "models/w.npy"), "whitespace"),
        (("branch", "models/w.npy", "main"), ""),
    ],
)
def test_store_errors_are_one_line(committed: str, tvc, error_line, args: tuple[str, ...], words: str) -> None:
    result = tvc(*args, code=1)
    assert words in error_line(result.stderr)
    assert result.stdout == ""


def test_ambiguous_revision(committed: str, repo_dir: Path, tvc, error_line) -> None:
    """Two commits of one model whose ids share 6 hex digits: found by hashing, then stored."""
    store = Repo(repo_dir)
    base = store.commits.get(committed)
    seen: dict[str, Commit] = {}
    for i in range(200_000):
        candidate = replace(base, parents=(committed,), message=f"m{i}")
        prefix = hash_bytes(candidate.to_bytes())[:6]
        if prefix in seen:
            ids = [store.commits.put(seen[prefix]), store.commits.put(candidate)]
            break
        seen[prefix] = candidate
    else:
        pytest.fail("no 6-hex collision found")
    assert ids[0][:6] == ids[1][:6] and ids[0] != ids[1]
    result = tvc("show", f"models/w.npy@{ids[0][:6]}", code=1)
    assert "ambiguous" in error_line(result.stderr)
    assert ids[0][:12] in result.stderr and ids[1][:12] in result.stderr


def test_verbose_shows_the_traceback(committed: str, tvc) -> None:
    result = tvc("-v", "show", "models/w.npy@nope", code=1)
    assert "Traceback" in result.stderr and "RevisionNotFoundError" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("tvc: error: ")


def test_unexpected_exception_is_an_internal_error(committed: str, tvc, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: Repo) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Repo, "du", boom)
    result = tvc("du", code=2)
    assert result.stderr == "tvc: internal error: RuntimeError: boom (run with -v for details)\n"
    assert "Traceback" in tvc("-v", "du", code=2).stderr


def test_keyboard_interrupt_exits_130(committed: str, tvc, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(self: Repo) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Repo, "du", interrupted)
    result = tvc("du", code=130)
    assert result.stderr == "tvc: interrupted\n"


def test_usage_errors_keep_clicks_exit_code(repo_dir: Path, tvc) -> None:
    assert "Missing argument" in tvc("show", code=2).stderr
    assert "No such command" in tvc("frobnicate", code=2).stderr


def test_dash_c_runs_in_another_directory_and_restores_cwd(committed: str, repo_dir: Path, tmp_path_factory, monkeypatch, tvc) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    assert committed[:12] in tvc("-C", str(repo_dir), "log").stdout
    assert Path.cwd() == elsewhere
    tvc("-C", str(repo_dir), "show", "models/w.npy@nope", code=1)
    assert Path.cwd() == elsewhere
    assert os.listdir(elsewhere) == []
