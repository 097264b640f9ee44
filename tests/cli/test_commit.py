"""tvc commit: messages, quiet ids, unchanged content, typed params, tags and names."""

from __future__ import annotations

import json
import re
from pathlib import Path

FULL_ID = re.compile(r"[0-9a-f]{64}")


def test_commit_reports_branch_id_and_new_chunks(repo_dir: Path, tvc, make_weights) -> None:
    make_weights(repo_dir / "models/w.npy")
    out = tvc("commit", "models/w.npy", "-m", "first").stdout
    assert re.fullmatch(r"\[main [0-9a-f]{12}\] models/w\.npy: \d+ new chunks?, [\d.]+ (B|KiB|MiB) stored\n", out), out
    assert (repo_dir / "models/w.npy.tvc").is_file()


def test_commit_quiet_prints_exactly_the_full_id(repo_dir: Path, tvc, make_weights) -> None:
    make_weights(repo_dir / "models/w.npy")
    result = tvc("commit", "-q", "models/w.npy")
    assert FULL_ID.fullmatch(result.stdout[:-1]) and result.stdout.endswith("\n") and len(result.stdout) == 65
    assert result.stderr == ""
    head = json.loads(tvc("log", "models/w.npy", "--json").stdout)[0]["id"]
    assert result.stdout.strip() == head


def test_unchanged_content_exits_zero_and_reports_the_head(repo_dir: Path, tvc, make_weights) -> None:
    make_weights(repo_dir / "models/w.npy")
    head = tvc("commit", "-q", "models/w.npy", "-m", "first").stdout.strip()
    again = tvc("commit", "models/w.npy", "-m", "same bytes")
    assert again.stdout == f"models/w.npy unchanged at {head[:12]}\n"
    assert tvc("commit", "-q", "models/w.npy").stdout == head + "\n"
    assert len(json.loads(tvc("log", "models/w.npy", "--json").stdout)) == 1


def test_tag_on_unchanged_content_tags_the_head(repo_dir: Path, tvc, make_weights) -> None:
    make_weights(repo_dir / "models/w.npy")
    head = tvc("commit", "-q", "models/w.npy").stdout.strip()
    out = tvc("commit", "models/w.npy", "--tag", "v1").stdout
    assert f"unchanged at {head[:12]}" in out and "v1" in out
    assert json.loads(tvc("show", "models/w.npy@v1", "--json").stdout)["id"] == head


def test_params_and_metrics_are_typed_like_json(repo_dir: Path, tvc, make_weights) -> None:
    make_weights(repo_dir / "models/w.npy")
    tvc(
        "commit", "models/w.npy",
        "-p", "n=200", "-p", "lr=0.5", "-p", "flag=true", "-p", "none=null", "-p", "opt=adam",
        "-p", "expr=a=b", "-p", "nan=NaN", "-p", "list=[1,2]",
        "--metric", "auc=0.91",
    )  # fmt: skip
    entry = json.loads(tvc("log", "models/w.npy", "--json").stdout)[0]
    assert entry["params"] == {
        "n": 200, "lr": 0.5, "flag": True, "none": None, "opt": "adam", "expr": "a=b", "nan": "NaN", "list": "[1,2]",
    }  # fmt: skip
    assert entry["metrics"] == {"auc": 0.91}
    assert "p: " in tvc("log", "models/w.npy").stdout and "m: auc=0.91" in tvc("log", "models/w.npy").stdout


def test_bad_key_value_is_a_usage_error(repo_dir: Path, tvc, make_weights) -> None:
    make_weights(repo_dir / "models/w.npy")
    for bad in ("novalue", "=3"):
        result = tvc("commit", "models/w.npy", "-p", bad, code=2)
        assert "KEY=VALUE" in result.stderr
    assert not (repo_dir / "models/w.npy.tvc").exists()


def test_name_and_branch_options(repo_dir: Path, tvc, make_weights) -> None:
    make_weights(repo_dir / "models/w.npy")
    out = tvc("commit", "models/w.npy", "--name", "clf", "--branch", "exp").stdout
    assert out.startswith("[exp ") and "] clf:" in out
    assert "exp" in tvc("branch", "clf").stdout
    entry = json.loads(tvc("log", "clf@exp", "--json").stdout)[0]
    assert entry["name"] == "clf" and "exp" in entry["labels"]
