"""A real S3-protocol server on loopback (moto's, counting requests: see ``s3_server``), reset between tests.

One server per test session (per xdist worker), started by the tests; each test gets
an empty bucket after a reset through moto's ``/moto-api/reset`` endpoint, as s3fs's
own tests do. Nothing in s3fs or boto is mocked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from s3_server import CountingMotoServer, RequestLog

BUCKET = "models"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def moto_server() -> Iterator[CountingMotoServer]:
    server = CountingMotoServer()
    server.start()
    yield server
    server.stop()


@dataclass
class S3:
    server: CountingMotoServer
    bucket: str

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    @property
    def log(self) -> RequestLog:
        return self.server.log

    def url(self, path: str) -> str:
        return f"s3://{self.bucket}/{path}"


@pytest.fixture
def s3(moto_server: CountingMotoServer, monkeypatch: pytest.MonkeyPatch) -> S3:
    """An empty bucket on a fresh server, and credentials in the environment (as a CI job has them)."""
    import s3fs

    moto_server.reset()
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": moto_server.endpoint}, skip_instance_cache=True)
    fs.mkdir(BUCKET)
    return S3(moto_server, BUCKET)


@pytest.fixture
def s3_env(s3: S3, monkeypatch: pytest.MonkeyPatch) -> S3:
    """``s3`` with ``AWS_ENDPOINT_URL`` set, so ``s3://`` URLs (not only DVC remotes) reach it."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.endpoint)
    return s3


def dvc(cwd: Path, *args: str) -> None:
    """Run a ``dvc`` command in-process, exactly as its CLI would."""
    from dvc.cli import main as dvc_main

    previous = Path.cwd()
    os.chdir(cwd)
    try:
        assert dvc_main(list(args)) == 0, f"dvc {' '.join(args)} failed"
    finally:
        os.chdir(previous)


def dvc_s3_project(folder: Path, s3: S3, name: str = "store", path: str = "team") -> Path:
    """A no-git DVC project whose default remote is configured the DVC way, with credentials in config.local."""
    folder.mkdir(parents=True, exist_ok=True)
    dvc(folder, "init", "--no-scm", "-q")
    dvc(folder, "remote", "add", "-d", name, s3.url(path))
    dvc(folder, "remote", "modify", name, "endpointurl", s3.endpoint)
    dvc(folder, "remote", "modify", "--local", name, "access_key_id", "testing")
    dvc(folder, "remote", "modify", "--local", name, "secret_access_key", "testing")
    return folder
