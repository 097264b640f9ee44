"""Retries with exponential backoff for the errors a network throws at a long transfer.

Throttling (S3 "SlowDown" / 503), timeouts and dropped connections go away when
retried a little later; everything else (missing keys, bad credentials, a
corrupt object, a failed condition) is an answer and is raised at once.
"""

from __future__ import annotations

import errno
import random
import time
from collections.abc import Callable
from typing import TypeVar

from store.errors import StoreError

T = TypeVar("T")

ATTEMPTS = 5
BASE_DELAY = 0.25  # seconds before the second attempt; doubles each time
MAX_DELAY = 8.0

#: errno values s3fs and the OS use for throttling, server errors and broken connections.
TRANSIENT_ERRNOS = frozenset(
    {errno.EAGAIN, errno.EBUSY, errno.ETIMEDOUT, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.EREMOTEIO}
)
#: Connection errors of botocore and aiohttp, named so this module imports neither.
TRANSIENT_TYPES = frozenset(
    {
        "EndpointConnectionError",
        "ConnectionClosedError",
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "ClientConnectionError",
        "ServerDisconnectedError",
        "ClientPayloadError",
    }
)


def is_transient(exc: BaseException) -> bool:
    """Would the same request, sent again a little later, plausibly succeed?"""
    if isinstance(exc, StoreError):
        return False
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS:
        return True
    return any(cls.__name__ in TRANSIENT_TYPES for cls in type(exc).__mro__)


def retrying(
    action: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    base_delay: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``action()``, retried on transient errors with jittered exponential backoff (from ``BASE_DELAY``)."""
    base_delay = BASE_DELAY if base_delay is None else base_delay
    for attempt in range(attempts):
        try:
            return action()
        except Exception as exc:
            if attempt == attempts - 1 or not is_transient(exc):
                raise
            sleep(min(MAX_DELAY, base_delay * 2**attempt) * random.uniform(0.5, 1.0))
    raise AssertionError("unreachable: the last attempt returns or raises")
