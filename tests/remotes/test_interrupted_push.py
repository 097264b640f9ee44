"""A push killed with SIGKILL midway: the remote holds no ref to a missing object, and a rerun sends only the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from conftest import S3

import store

ROOT = Path(__file__).resolve().parents[2]


def tvc_command(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "tvc"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "cli.main", *args]


def object_puts(requests) -> set[str]:
    return {r.key for r in requests if r.method == "PUT" and r.status == 200 and "/objects/" in r.path}


def test_killed_push_resumes_and_the_remote_checks_out(s3_env: S3, tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "work"
    repo = store.Repo.init(work)
    monkeypatch.chdir(work)
    np.save(work / "big.npy", np.random.default_rng(0).standard_normal((16_384, 1024)).astype("float32"))  # 64 MiB
    repo.commit(work / "big.npy", tag="v1")
    total = len(set(repo.db))
    url = s3_env.url("team/tvc")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    mark = s3_env.log.mark()
    gate = s3_env.server.hold_writes(after=8)  # the server stalls the 9th object write: a push caught midway
    process = subprocess.Popen(tvc_command("push", "-j", "2", "-r", url), cwd=work, env=env, stderr=subprocess.PIPE)
    try:
        assert gate.holding.wait(60), "the push never reached its 9th object"
        process.send_signal(signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL
    finally:
        s3_env.server.release_writes()  # writes already sent complete on the server, as they would on S3
    time.sleep(0.5)
    first = object_puts(s3_env.log.since(mark))
    assert 8 <= len(first) < total  # killed midway
    remote = repo.connect(url).backend
    assert list(remote.list("refs")) == []  # no ref can name what never arrived

    mark = s3_env.log.mark()
    done = subprocess.run(tvc_command("push", "--json", "-r", url), cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    second = object_puts(s3_env.log.since(mark))
    assert first.isdisjoint(second) and len(first | second) == total  # only what was missing, all of it

    check = subprocess.run(tvc_command("fsck", "-r", url), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith(f"fsck: ok ({total} objects verified)")
