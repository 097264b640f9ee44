"""Acceptance: a commit killed with SIGKILL at any moment never damages the store.

"A commit killed with SIGKILL at random moments (at least 20 trials) never leaves
a ref naming a missing object; fsck passes after; the next commit succeeds."

Real processes, real files: ``tvc commit`` runs as a subprocess on a ~32 MB .npy
of float32 weights (new content every trial, so every commit compresses and
writes ~30 MB of fresh chunks) and is killed after a delay drawn uniformly from
[0, 1.2 x the measured duration of such a commit]. After every kill the store is
checked with fsck and by walking every ref down to its chunks by hand.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

import store
from store.backend.local import LOCK_WAIT_SECONDS, STALE_LOCK_SECONDS
from store.objects import Kind
from store.pointers import pointer_path, read_pointer

ROOT = Path(__file__).resolve().parents[1]
TRIALS = 24
ROWS, COLS = 2048, 4096  # float32: 32 MiB
MODEL = "weights.npy"
OID = re.compile(r"[0-9a-f]{64}")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def _tvc(cwd: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


def _run(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_tvc(cwd, *args), cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)


def _write_weights(path: Path, rng: np.random.Generator) -> None:
    """Trained-looking float32 weights: random mantissas (incompressible), narrow exponents (compressible)."""
    array = (rng.standard_normal((ROWS, COLS), dtype=np.float32) * np.float32(0.05)).astype(np.float32)
    np.save(path, array)


def _head(repo_dir: Path) -> str | None:
    return store.Repo(repo_dir).refs.get(MODEL, "heads", "main")


def _object_files(repo_dir: Path) -> set[str]:
    objects = repo_dir / ".tvc" / "objects"
    return {p.parent.name + p.name for p in objects.glob("??/*") if p.is_file()}


def _check_store(repo_dir: Path) -> dict[str, int]:
    """Every invariant a crash must not break; returns what was seen (for the report)."""
    control = repo_dir / ".tvc"
    repo = store.Repo(repo_dir)

    report = repo.fsck()
    assert report.ok, report.to_dict()

    # Every file under refs/ is a ref the store can read, or a lock file.
    ref_files = [p for p in (control / "refs").rglob("*") if p.is_file()]
    locks = [p for p in ref_files if p.name.endswith(".lock")]
    refs = repo.refs.list()
    assert len(refs) == len(ref_files) - len(locks), (ref_files, refs)
    for p in ref_files:
        if p not in locks:
            assert OID.fullmatch(p.read_text().rstrip("\n")), p

    # Walk each ref by hand: commit -> manifest -> every chunk, all present and verified.
    assert refs, "the first commit's ref disappeared"
    for ref in refs:
        commit = repo.commits.get(ref.commit)
        assert commit.name == ref.model
        assert repo.db.has(commit.manifest)
        manifest = repo.manifest(ref.commit)
        for chunk in manifest.chunk_ids():
            repo.db.get(chunk, expect=Kind.CHUNK)  # raises if missing or corrupt
        for parent in commit.parents:  # the history the ref names is there too
            assert repo.db.has(parent)
            repo.commits.get(parent)

    # A lock left by a killed writer must never block the next commit for long.
    for lock in locks:
        age = time.time() - lock.stat().st_mtime
        assert age < 60, f"{lock} is {age:.0f} s old and was never broken"
    assert STALE_LOCK_SECONDS < LOCK_WAIT_SECONDS  # a dead writer's lock is broken before a waiter gives up

    # The pointer file, when present, is valid YAML naming a commit that exists.
    pointer_file = pointer_path(repo_dir / MODEL)
    if pointer_file.exists():
        data = yaml.safe_load(pointer_file.read_text())
        assert isinstance(data, dict) and data["name"] == MODEL
        pointer = read_pointer(pointer_file)
        assert repo.commits.get(pointer.commit).name == MODEL
        assert repo.commits.get(pointer.commit).manifest == pointer.manifest

    tmp_files = list((control / "tmp").iterdir()) if (control / "tmp").is_dir() else []
    return {"locks": len(locks), "tmp_files": len(tmp_files)}


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    assert _run(tmp_path, "init").returncode == 0
    return tmp_path


def test_sigkill_during_commit_never_damages_the_store(repo_dir: Path) -> None:
    rng = np.random.default_rng(20240601)
    pick = random.Random(20240601)
    target = repo_dir / MODEL

    # The first version, and how long a commit of fresh content takes (the kill window).
    durations = []
    for _ in range(2):
        _write_weights(target, rng)
        start = time.monotonic()
        done = _run(repo_dir, "commit", MODEL, "-q", "-m", "calibrate")
        durations.append(time.monotonic() - start)
        assert done.returncode == 0, done.stderr
    duration = max(durations)
    assert duration > 0.3, f"a commit took only {duration:.2f} s: too fast for kills to land mid-way"
    _check_store(repo_dir)

    outcomes: Counter[str] = Counter()
    leftovers = Counter()
    for trial in range(TRIALS):
        _write_weights(target, rng)
        head_before = _head(repo_dir)
        objects_before = _object_files(repo_dir)
        delay = pick.uniform(0, 1.2 * duration)

        proc = subprocess.Popen(
            _tvc(repo_dir, "commit", MODEL, "-q", "-m", f"trial {trial}"),
            cwd=repo_dir,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)  # a no-op if it already exited (not yet reaped)
        stdout, stderr = proc.communicate(timeout=60)

        head_after = _head(repo_dir)
        new_objects = _object_files(repo_dir) - objects_before
        if proc.returncode == 0:
            assert head_after == stdout.decode().strip() != head_before
            outcomes["finished before the kill"] += 1
        else:
            assert proc.returncode == -signal.SIGKILL, (proc.returncode, stderr.decode())
            if head_after != head_before:
                outcomes["killed after the ref moved"] += 1
            elif new_objects:
                outcomes["killed mid-write, ref not moved"] += 1
            else:
                outcomes["killed before writing any object"] += 1
        seen = _check_store(repo_dir)
        leftovers.update(seen)

    print(f"\ncommit duration {duration:.2f} s; {TRIALS} kills: {dict(outcomes)}; leftovers {dict(leftovers)}")
    moved = outcomes["killed after the ref moved"] + outcomes["finished before the kill"]
    not_moved = outcomes["killed mid-write, ref not moved"] + outcomes["killed before writing any object"]
    assert moved >= 1, outcomes
    assert not_moved >= 3, outcomes
    assert outcomes["killed mid-write, ref not moved"] >= 3, outcomes  # kills really landed inside the commit

    # After all that, a normal commit works and the version checks out byte-identical.
    _write_weights(target, rng)
    expected = target.read_bytes()
    done = _run(repo_dir, "commit", MODEL, "-q", "-m", "after the crashes")
    assert done.returncode == 0, done.stderr
    commit_id = done.stdout.strip()
    assert OID.fullmatch(commit_id) and _head(repo_dir) == commit_id
    out = repo_dir / "restored.npy"
    restored = _run(repo_dir, "checkout", f"{MODEL}@{commit_id[:12]}", "-o", out.name)
    assert restored.returncode == 0, restored.stderr
    assert out.read_bytes() == expected
    fsck = _run(repo_dir, "fsck")
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_lock_left_by_a_killed_writer_delays_the_next_commit_only_briefly(repo_dir: Path) -> None:
    """The narrowest window: killed while holding the ref's lock file. The next commit still succeeds."""
    target = repo_dir / "small.npy"
    np.save(target, np.arange(1000, dtype=np.float32))
    assert _run(repo_dir, "commit", "small.npy", "-q").returncode == 0
    lock = repo_dir / ".tvc" / "refs" / "small.npy" / "heads" / "main.lock"
    assert lock.parent.is_dir(), sorted(p.relative_to(repo_dir).as_posix() for p in (repo_dir / ".tvc" / "refs").rglob("*"))
    lock.write_bytes(b"")  # what a writer killed between creating the lock and renaming it leaves

    np.save(target, np.arange(1000, dtype=np.float32) + 1)
    start = time.monotonic()
    done = _run(repo_dir, "commit", "small.npy", "-q")
    waited = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    assert waited < LOCK_WAIT_SECONDS, waited
    assert not lock.exists()
    assert _head_of(repo_dir, "small.npy") == done.stdout.strip()
    assert store.Repo(repo_dir).fsck().ok


def _head_of(repo_dir: Path, model: str) -> str | None:
    return store.Repo(repo_dir).refs.get(model, "heads", "main")
