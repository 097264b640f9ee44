"""The real entry point in a real process: exit codes and streams as a shell sees them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def tvc_process(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "tvc"
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from cli.main import run; run()"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_round_trip_in_a_subprocess(tmp_path: Path) -> None:
    assert tvc_process(tmp_path, "init").returncode == 0
    array = np.arange(40_000, dtype="float32").reshape(200, 200)
    np.save(tmp_path / "w.npy", array)
    done = tvc_process(tmp_path, "commit", "-q", "w.npy")
    assert done.returncode == 0 and re.fullmatch(r"[0-9a-f]{64}\n", done.stdout) and done.stderr == ""
    (tmp_path / "w.npy").unlink()
    assert tvc_process(tmp_path, "checkout", "w.npy").returncode == 0
    assert np.array_equal(np.load(tmp_path / "w.npy"), array)

    failed = tvc_process(tmp_path, "show", "w.npy@nope")
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.startswith("tvc: error: ") and len(failed.stderr.splitlines()) == 1


def test_outside_a_repository_in_a_subprocess(tmp_path: Path) -> None:
    done = tvc_process(tmp_path, "status")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("tvc: error: not a tvc repository")
