"""Acceptance: a commit killed with SIGKILL at any moment never damages the store.

"A commit killed with SIGKILL at random moments (at least 20 trials) never leaves
a ref naming a missing object; fsck passes after; the next commit succeeds."

Real processes, real files: ``tvc commit`` runs as a subprocess on a 16 MiB .npy
of float32 weights (new content every trial, so every commit hashes, compresses
and writes 16 MiB of fresh chunks) and is killed after a delay drawn uniformly
from [0, 1.2 x the measured duration of such a commit], counted from the moment
the already-imported process is let go. After every kill the store is checked
with fsck and by walking every ref down to its chunks by hand; then ``gc`` (grace
0) drops what the killed commit left, so the next fsck stays quick. A few more
trials kill the process the instant its ref file changes, the narrowest window.
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
from store.versioning import collect_garbage

ROOT = Path(__file__).resolve().parents[1]
TRIALS = 20  # kills at random moments
MAX_TRIALS = 30  # ... or a few more, until kills both before and after the ref move were seen
RACE_TRIALS = 3  # kills the moment the ref moves
ROWS, COLS = 1024, 4096  # float32: 16 MiB
MODEL = "weights.npy"
OID = re.compile(r"[0-9a-f]{64}")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def _run(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli.main", *args]
    return subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)


#: ``tvc ARGS`` in a process that imports tvc first, says "ready", and runs only when told
#: "go" on stdin: the kill delay then counts from the start of the commit itself, not from
#: the interpreter's start-up (which is over half of a short commit's wall time).
_ARMED = """
import sys
from cli.main import main
sys.stdout.write("ready\\n")
sys.stdout.flush()
if sys.stdin.readline() != "go\\n":  # the test went away without letting it run
    sys.exit(3)
main(sys.argv[1:], prog_name="tvc")
"""


class ArmedCommit:
    """A started ``tvc`` process, importing in the background until ``go()``."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _ARMED, *args],
            cwd=cwd,
            env=_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def go(self) -> float:
        """Wait until it is ready, let it run; returns the monotonic time it was let go."""
        assert self.proc.stdout is not None and self.proc.stdin is not None
        ready = self.proc.stdout.readline()
        assert ready == b"ready\n", (ready, self.proc.stderr.read() if self.proc.stderr else b"")
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()
        return time.monotonic()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)  # a no-op if it already exited (not yet reaped)

    def finish(self, kill_at: float | None = None) -> tuple[int, str, str]:
        """Wait for the process, SIGKILLing it at monotonic time ``kill_at`` if given."""
        if kill_at is not None:
            time.sleep(max(0.0, kill_at - time.monotonic()))
            self.kill()
        stdout, stderr = self.proc.communicate(timeout=60)  # "ready" was read already
        return self.proc.returncode, stdout.decode(), stderr.decode()


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
    lagging = 0
    if pointer_file.exists():
        data = yaml.safe_load(pointer_file.read_text())
        assert isinstance(data, dict) and data["name"] == MODEL
        pointer = read_pointer(pointer_file)
        assert repo.commits.get(pointer.commit).name == MODEL
        assert repo.commits.get(pointer.commit).manifest == pointer.manifest
        lagging = int(pointer.commit != repo.refs.get(MODEL, "heads", "main"))  # killed between ref and pointer

    tmp_files = list((control / "tmp").iterdir()) if (control / "tmp").is_dir() else []
    return {"locks": len(locks), "tmp files": len(tmp_files), "pointer behind the branch": lagging}


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    assert _run(tmp_path, "init").returncode == 0
    return tmp_path


def _classify(
    code: int, stdout: str, stderr: str, head_before: str | None, head_after: str | None, new_objects: set[str]
) -> str:
    if code == 0:
        assert head_after == stdout.strip() != head_before, (stdout, head_before, head_after)
        return "finished before the kill"
    assert code == -signal.SIGKILL, (code, stderr)
    if head_after != head_before:
        return "killed after the ref moved"
    if new_objects:
        return "killed mid-write, ref not moved"
    return "killed before writing any object"


def _collect_leftovers(repo_dir: Path) -> None:
    """Drop what killed commits left (unreachable objects, temp files) so the store stays small."""
    repo = store.Repo(repo_dir)
    collect_garbage(repo.db, repo.refs, repo.commits, dry_run=False, grace_seconds=0)


def test_sigkill_during_commit_never_damages_the_store(repo_dir: Path) -> None:
    rng = np.random.default_rng(20240601)
    pick = random.Random(20240601)
    target = repo_dir / MODEL

    # The first version, and how long a commit of fresh content takes (the kill window),
    # timed from "go" so the interpreter's start-up is not part of it.
    durations = []
    for _ in range(2):
        _write_weights(target, rng)
        armed = ArmedCommit(repo_dir, "commit", MODEL, "-q", "-m", "calibrate")
        start = armed.go()
        code, _out, err = armed.finish()
        durations.append(time.monotonic() - start)
        assert code == 0, err
    duration = max(durations)
    assert duration > 0.2, f"a commit took only {duration:.2f} s: too fast for kills to land mid-way"
    _check_store(repo_dir)

    outcomes: Counter[str] = Counter()
    leftovers: Counter[str] = Counter()

    def enough() -> bool:  # both kinds of kill seen; a loaded machine may need a few more trials
        moved = outcomes["killed after the ref moved"] + outcomes["finished before the kill"]
        return moved >= 1 and outcomes["killed mid-write, ref not moved"] >= 3

    trial = 0
    armed = ArmedCommit(repo_dir, "commit", MODEL, "-q", "-m", "trial 0")
    while True:
        _write_weights(target, rng)
        head_before = _head(repo_dir)
        objects_before = _object_files(repo_dir)
        delay = pick.uniform(0, 1.2 * duration)
        code, stdout, stderr = armed.finish(kill_at=armed.go() + delay)
        trial += 1
        more = trial < TRIALS or (not enough() and trial < MAX_TRIALS)
        if more:  # the next one imports tvc while this one's store is checked
            armed = ArmedCommit(repo_dir, "commit", MODEL, "-q", "-m", f"trial {trial}")

        new_objects = _object_files(repo_dir) - objects_before
        outcomes[_classify(code, stdout, stderr, head_before, _head(repo_dir), new_objects)] += 1
        leftovers.update(_check_store(repo_dir))
        _collect_leftovers(repo_dir)
        if not more:
            break
    trials = trial

    # The narrowest window on purpose: kill the moment the ref file changes (before the
    # pointer file is written and the process exits).
    ref_file = repo_dir / ".tvc" / "refs" / MODEL / "heads" / "main"
    assert ref_file.is_file()
    racing: Counter[str] = Counter()
    for race in range(RACE_TRIALS):
        _write_weights(target, rng)
        head_before = _head(repo_dir)
        objects_before = _object_files(repo_dir)
        armed = ArmedCommit(repo_dir, "commit", MODEL, "-q", "-m", f"race {race}")
        deadline = armed.go() + 30
        while armed.proc.poll() is None and time.monotonic() < deadline:
            if ref_file.read_bytes() != f"{head_before}\n".encode():
                armed.kill()
                break
        code, stdout, stderr = armed.finish()
        new_objects = _object_files(repo_dir) - objects_before
        racing[_classify(code, stdout, stderr, head_before, _head(repo_dir), new_objects)] += 1
        leftovers.update(_check_store(repo_dir))
        _collect_leftovers(repo_dir)

    print(
        f"\ncommit of {ROWS * COLS * 4 >> 20} MiB takes {duration:.2f} s; {trials} random kills: {dict(outcomes)}; "
        f"{RACE_TRIALS} kills when the ref moved: {dict(racing)}; left after kills: {dict(leftovers)}"
    )
    moved = outcomes["killed after the ref moved"] + outcomes["finished before the kill"]
    assert moved >= 1, outcomes  # some kills came after the ref moved...
    assert outcomes["killed mid-write, ref not moved"] >= 3, outcomes  # ...and several inside the commit
    assert racing["killed after the ref moved"] >= 1, racing  # killed between ref and pointer / exit

    # After all that, a normal commit works and the version checks out byte-identical.
    _write_weights(target, rng)
    expected = target.read_bytes()
    done = _run(repo_dir, "commit", MODEL, "-q", "-m", "after the crashes")
    assert done.returncode == 0, done.stderr
    commit_id = done.stdout.strip()
    assert OID.fullmatch(commit_id) and _head(repo_dir) == commit_id
    assert read_pointer(pointer_path(target)).commit == commit_id
    out = repo_dir / "restored.npy"
    restored = _run(repo_dir, "checkout", f"{MODEL}@{commit_id[:12]}", "-o", out.name)
    assert restored.returncode == 0, restored.stderr
    assert out.read_bytes() == expected
    fsck = _run(repo_dir, "fsck")
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    history = store.Repo(repo_dir).log(MODEL)
    assert history[0].id == commit_id
    assert len(history) == 3 + moved + racing["killed after the ref moved"] + racing["finished before the kill"]


def test_lock_left_by_a_killed_writer_delays_the_next_commit_only_briefly(repo_dir: Path) -> None:
    """The narrowest window: killed while holding the ref's lock file. The next commit still succeeds."""
    target = repo_dir / "small.npy"
    np.save(target, np.arange(1000, dtype=np.float32))
    assert _run(repo_dir, "commit", "small.npy", "-q").returncode == 0
    lock = repo_dir / ".tvc" / "refs" / "small.npy" / "heads" / "main.lock"
    assert lock.with_suffix("").is_file(), "the ref layout changed: update this test"
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
