"""Acceptance: concurrent writers never lose a commit silently.

"Four processes committing the same model at once: every commit ends on a branch
or is reported as a conflict with a clear error; none is silently lost."

Four real ``tvc commit`` processes import tvc, wait at a barrier (a start file),
then commit four different files under one model name (``--name shared``) at the
same instant. Each must either succeed (exit 0, its commit id on stdout) and be
in the branch's history, or fail with exactly one ``tvc: error: ...`` line naming
the conflict. A second test commits four different models at once: all succeed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import store
from store.objects import hash_file
from store.pointers import pointer_path, read_pointer

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 4
ROUNDS = 6
OID_LINE = re.compile(r"[0-9a-f]{64}\n")
CONFLICT = re.compile(r"moved while committing|moved while updating|locked by another writer")

#: Import tvc, say ready (a marker file), spin until the start file exists, then run ``tvc ARGS``.
_WORKER = """
import os, sys, time
from cli.main import main
ready, start = sys.argv[1], sys.argv[2]
open(ready, "w").close()
while not os.path.exists(start):
    time.sleep(0.0002)
main(sys.argv[3:], prog_name="tvc")
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def _run_together(repo_dir: Path, commands: list[list[str]], tag: str) -> list[tuple[int, str, str]]:
    """Start every ``tvc`` command, release them at once, return (exit code, stdout, stderr) of each."""
    sync = repo_dir.parent / f"sync-{repo_dir.name}-{tag}"
    sync.mkdir()
    start = sync / "start"
    procs = []
    for i, args in enumerate(commands):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _WORKER, str(sync / f"ready{i}"), str(start), *args],
                cwd=repo_dir,
                env=_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    deadline = time.monotonic() + 60
    while not all((sync / f"ready{i}").exists() for i in range(len(procs))):
        for p in procs:
            if p.poll() is not None:  # died before the barrier: show why
                raise AssertionError(p.communicate())
        assert time.monotonic() < deadline, "workers never got ready"
        time.sleep(0.01)
    start.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append((p.returncode, out, err))
    return results


def _write_model(path: Path, seed: int) -> None:
    """A small .npy (~128 KiB), different for every seed: commits are quick, so they collide at the ref."""
    np.save(path, np.random.default_rng(seed).standard_normal((128, 256)).astype(np.float32))


def _pointer_bytes(path: Path) -> bytes | None:
    pointer = pointer_path(path)
    return pointer.read_bytes() if pointer.exists() else None


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    repo_dir = tmp_path / "repo"
    repo_dir.mkdir()
    store.Repo.init(repo_dir)
    return repo_dir


def test_four_writers_on_one_model_never_lose_a_commit(repo_dir: Path) -> None:
    successes: list[str] = []
    tally: Counter[str] = Counter()
    for rnd in range(ROUNDS):
        files = [repo_dir / f"m{i}.npy" for i in range(WRITERS)]
        for i, f in enumerate(files):
            _write_model(f, seed=1000 * rnd + i)
        pointers_before = {f: _pointer_bytes(f) for f in files}

        commands = [
            ["commit", f.name, "--name", "shared", "-q", "-m", f"round {rnd}, writer {i}"] for i, f in enumerate(files)
        ]
        results = _run_together(repo_dir, commands, f"r{rnd}")

        repo = store.Repo(repo_dir)
        round_ok = []
        for f, (code, out, err) in zip(files, results):
            if code == 0:
                assert OID_LINE.fullmatch(out) and err == "", (out, err)
                commit_id = out.strip()
                round_ok.append(commit_id)
                # It is this writer's content, and its pointer names it.
                assert repo.manifest(commit_id).entries[0].hash == hash_file(f)
                assert read_pointer(pointer_path(f)).commit == commit_id
                tally["committed"] += 1
            else:
                # The only acceptable failure: one line naming the conflict, nothing else.
                assert code == 1, (code, out, err)
                assert out == "", out
                lines = err.splitlines()
                assert len(lines) == 1 and lines[0].startswith("tvc: error: "), err
                assert CONFLICT.search(lines[0]), err
                assert "shared" in lines[0], err
                assert _pointer_bytes(f) == pointers_before[f]  # a failed commit leaves its pointer alone
                tally["conflict"] += 1
                tally[lines[0]] += 1
        assert round_ok, f"round {rnd}: nobody committed: {results}"
        tally[f"rounds where {len(round_ok)} of {WRITERS} committed"] += 1
        successes += round_ok

        # Nothing reported as committed is lost, and nothing unreported is in history.
        history = repo.log("shared")
        ids = [e.id for e in history]
        assert set(successes) <= set(ids)
        assert len(ids) == len(successes) == len(set(ids))
        assert repo.refs.get("shared", "heads", "main") == ids[0]
        for newer, older in zip(history, history[1:]):  # one straight line of parents
            assert newer.commit.parents == (older.id,)
        assert history[-1].commit.parents == ()
        assert repo.fsck().ok

    print(f"\n{ROUNDS} rounds x {WRITERS} writers on one model: {dict(tally)}")
    assert tally["committed"] + tally["conflict"] == ROUNDS * WRITERS


def test_four_writers_on_four_models_all_succeed(repo_dir: Path) -> None:
    rounds = 3
    for rnd in range(rounds):
        files = [repo_dir / f"model{i}.npy" for i in range(WRITERS)]
        for i, f in enumerate(files):
            _write_model(f, seed=5000 + 1000 * rnd + i)
        results = _run_together(repo_dir, [["commit", f.name, "-q", "-m", f"round {rnd}"] for f in files], f"r{rnd}")
        repo = store.Repo(repo_dir)
        for f, (code, out, err) in zip(files, results):
            assert code == 0 and OID_LINE.fullmatch(out) and err == "", (code, out, err)
            commit_id = out.strip()
            assert repo.refs.get(f.name, "heads", "main") == commit_id
            assert repo.manifest(commit_id).entries[0].hash == hash_file(f)
            history = repo.log(f.name)
            assert len(history) == rnd + 1 and history[0].id == commit_id
    assert store.Repo(repo_dir).fsck().ok
