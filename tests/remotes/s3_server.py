"""moto's S3 server on loopback, counting every request it serves (used by the tests and bench/remote_push.py).

The server is moto's own werkzeug app, started in a thread as ``ThreadedMotoServer``
does; the only addition is a WSGI layer that records each request's method, key,
status and body bytes in both directions, so requests and bytes are counted on the
server side. Nothing in s3fs or boto is mocked.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

_SLICE = 1 << 20


@dataclass
class Request:
    method: str
    path: str  # /bucket/key
    query: str
    status: int
    received: int  # request body bytes the server read
    sent: int = 0  # response body bytes written (grows while the response streams)

    @property
    def key(self) -> str:
        """The object key, without the bucket."""
        return self.path.lstrip("/").partition("/")[2]

    @property
    def is_listing(self) -> bool:
        return self.method == "GET" and self.key == "" and "list-type=2" in self.query


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[Request] = []

    def add(self, request: Request) -> None:
        with self._lock:
            self._entries.append(request)

    def mark(self) -> int:
        with self._lock:
            return len(self._entries)

    def since(self, mark: int) -> list[Request]:
        with self._lock:
            return list(self._entries[mark:])


class _CountingInput:
    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.count = 0

    def read(self, *args: Any) -> bytes:
        data = self._stream.read(*args)
        self.count += len(data)
        return data

    def readline(self, *args: Any) -> bytes:
        data = self._stream.readline(*args)
        self.count += len(data)
        return data

    def __iter__(self) -> Iterator[bytes]:
        for line in self._stream:
            self.count += len(line)
            yield line


class WriteGate:
    """Lets the first ``allowed`` object PUTs through and holds the rest until ``open()``.

    A push paused midway by the server, so a test can kill the client at a known
    point whatever the machine's speed.
    """

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.holding = threading.Event()  # set once a write is being held
        self._opened = threading.Event()
        self._lock = threading.Lock()
        self._seen = 0

    def pass_through(self, method: str, path: str) -> None:
        if method != "PUT" or "/objects/" not in path:
            return
        with self._lock:
            self._seen += 1
            held = self._seen > self.allowed
        if held:
            self.holding.set()
            self._opened.wait(120)

    def open(self) -> None:
        self._opened.set()


def counting(app: Any, log: RequestLog, gate: Any = lambda: None) -> Any:
    """WSGI middleware: record every S3 request (not moto's own /moto-api calls); ``gate()`` may hold writes."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return app(environ, start_response)
        current = gate()
        if current is not None:
            current.pass_through(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        body = _CountingInput(environ["wsgi.input"])
        environ["wsgi.input"] = body
        status: list[int] = []

        def recording_start(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(int(code.split()[0]))
            return start_response(code, headers, exc_info)

        result = app(environ, recording_start)
        # Logged before the body goes out, so a test that got its response always finds the request.
        method, path, query = environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
        record = Request(method, path, query, status[0] if status else 0, body.count)
        log.add(record)
        return _counted(result, record)

    return wrapped


def _counted(result: Iterable[bytes], record: Request) -> Iterator[bytes]:
    """The response body in slices, counted as each is handed to the socket.

    A client that hangs up mid-body (s3fs abandons a whole-object GET for ranged
    ones) is charged at most one slice more than it read.
    """
    try:
        for piece in result:
            for start in range(0, len(piece), _SLICE):
                part = piece[start : start + _SLICE]
                record.sent += len(part)
                yield part
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


class CountingMotoServer(ThreadedMotoServer):
    def __init__(self) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.log = RequestLog()
        self.gate: WriteGate | None = None

    def hold_writes(self, after: int) -> WriteGate:
        """From now on, hold every object PUT after the first ``after`` (see ``WriteGate``)."""
        self.gate = WriteGate(after)
        return self.gate

    def release_writes(self) -> None:
        if self.gate is not None:
            self.gate.open()
        self.gate = None

    def _server_entry(self) -> None:
        app = counting(DomainDispatcherApplication(create_backend_app), self.log, lambda: self.gate)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def endpoint(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")).read()
