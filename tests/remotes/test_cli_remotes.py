"""The remote verbs as a user meets them: DVC's config as the one source, one summary line, --json, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from conftest import dvc

from cli.main import main
from store.remotes import connect, is_url


def tvc(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, f"{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    tvc("init")
    np.save(tmp_path / "w.npy", np.arange(50_000, dtype="float32"))
    tvc("commit", "w.npy", "--tag", "v1")
    return tmp_path


@pytest.mark.parametrize(
    ("spec", "url"),
    [("s3://b/p", True), ("/abs", True), ("./rel", True), ("../up", True), ("~/home", True), ("store", False), ("my-remote", False)],
)
def test_what_counts_as_a_url(spec: str, url: bool) -> None:
    assert is_url(spec) is url


def test_remote_add_writes_dvc_config_and_dvc_reads_it(project: Path) -> None:
    tvc("remote", "add", "-d", "shared", "../shared-store")
    tvc("remote", "add", "other", "s3://bucket/path")
    config = (project / ".dvc" / "config").read_text()
    assert "remote = shared" in config and "s3://bucket/path" in config
    listed = json.loads(tvc("remote", "list", "--json").stdout)
    assert listed == [
        {"name": "other", "url": "s3://bucket/path", "store": "s3://bucket/path/tvc", "default": False},
        {"name": "shared", "url": str(project.parent / "shared-store"), "store": str(project.parent / "shared-store" / "tvc"), "default": True},
    ]
    text = tvc("remote", "list").stdout
    assert "shared (default)" in text and "s3://bucket/path/tvc" in text
    dvc(project, "remote", "modify", "other", "url", "s3://bucket/moved")  # dvc edits; tvc sees it
    assert "s3://bucket/moved/tvc" in tvc("remote", "list").stdout


def test_a_dvc_remote_is_found_from_a_subfolder_without_tvc(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "proj" / "deep" / "er").mkdir(parents=True)
    dvc(tmp_path / "proj", "init", "--no-scm", "-q")
    dvc(tmp_path / "proj", "remote", "add", "-d", "here", str(tmp_path / "storage"))
    remote = connect(None, tmp_path / "proj" / "deep" / "er")
    assert remote.name == "here" and remote.url == str(tmp_path / "storage" / "tvc")


def test_push_prints_one_summary_line_or_json(project: Path) -> None:
    tvc("remote", "add", "-d", "shared", str(project / "remote"))
    first = tvc("push").stdout
    assert first.count("\n") == 1 and first.startswith("push: ") and " sent, 0 skipped, 2 refs updated in " in first
    report = json.loads(tvc("push", "--json").stdout)
    assert set(report) == {"remote", "objects_transferred", "bytes_transferred", "objects_skipped", "seconds", "refs", "checked_out"}
    assert report["objects_transferred"] == 0 and report["remote"] == str(project / "remote" / "tvc")
    assert {(r["name"], r["kind"], r["status"]) for r in report["refs"]} == {("main", "heads", "up-to-date"), ("v1", "tags", "up-to-date")}
    assert tvc("push", "-q").stdout == ""
    fetched = json.loads(tvc("fetch", "--json").stdout)
    assert fetched["objects_transferred"] == 0 and fetched["objects_skipped"] > 0
    assert tvc("fsck", "-r", "shared").stdout.startswith("fsck: ok")


def test_remote_errors_are_one_line(project: Path) -> None:
    no_default = tvc("push", code=1)
    assert no_default.stderr.startswith("tvc: error: no remote given and DVC has no default remote")
    assert len(no_default.stderr.splitlines()) == 1
    unknown = tvc("push", "-r", "nope", code=1)
    assert "no DVC remote named 'nope'" in unknown.stderr and len(unknown.stderr.splitlines()) == 1
    empty = tvc("fetch", "-r", str(project / "empty"), code=1)
    assert "holds no tvc store yet" in empty.stderr
    bad_target = tvc("push", "-r", str(project / "remote"), "w.npy@abc123", code=1)
    assert "push sends branches and tags" in bad_target.stderr
