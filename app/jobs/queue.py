"""The Redis connection and the RQ queue, one per app.

Every client the web and the jobs use has connect and socket timeouts: a Redis that
stops answering (hung, not just down) must cost a request a couple of seconds, never a
gunicorn thread for ever. After a failure, Redis counts as down for a few seconds
(`redis_recently_down`), so the status polls of many pages answer from the database at
once instead of each waiting for its own timeout.
"""

from __future__ import annotations

import threading
import time

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

# Seconds: connecting and each command. RQ's BLPOP in the worker's main process uses its
# own client (worker.py) with the long socket timeout RQ sets for it.
CONNECT_TIMEOUT_S = 1.5
SOCKET_TIMEOUT_S = 2.0
HEALTH_CHECK_INTERVAL_S = 10
# After a Redis error, skip Redis for this long (status polls read the Job row instead).
DOWN_FOR_S = 5.0

QUEUE_DOWN = (
    "Baggrundskøen svarer ikke lige nu, så jobbet kunne ikke startes. "
    "Prøv igen om lidt; kontakt IT, hvis det bliver ved."
)


class QueueUnavailable(Exception):
    """Redis could not take a job; the message is Danish, for the user."""

    def __init__(self, message: str = QUEUE_DOWN):
        super().__init__(message)


_down_lock = threading.Lock()
# Per app (its extensions), not per URL in a module global: two apps in one process (the
# tests) may share a URL while only one of them has Redis down.
_DOWN_KEY = "fleet_redis_down_until"


def mark_redis_down() -> None:
    with _down_lock:
        current_app.extensions[_DOWN_KEY] = time.monotonic() + DOWN_FOR_S


def mark_redis_up() -> None:
    with _down_lock:
        current_app.extensions.pop(_DOWN_KEY, None)


def redis_recently_down() -> bool:
    return time.monotonic() < current_app.extensions.get(_DOWN_KEY, 0.0)


def connect(url: str, *, timeouts: bool = True) -> Redis:
    """A Redis client for a URL (tests put an in-process fake in the app's extensions
    instead, see `redis_connection`; no test tool is imported here).

    `timeouts=False` leaves the socket timeout to RQ (the worker's blocking dequeue)."""
    options = {
        "socket_connect_timeout": CONNECT_TIMEOUT_S,
        "health_check_interval": HEALTH_CHECK_INTERVAL_S,
    }
    if not url.startswith("unix://"):
        # TCP only: the unix-socket connection of the embedded Redis has no keepalive option
        options["socket_keepalive"] = True
    if timeouts:
        options["socket_timeout"] = SOCKET_TIMEOUT_S
    return Redis.from_url(url, **options)


def redis_connection() -> Redis:
    extensions = current_app.extensions
    if "fleet_redis" not in extensions:
        extensions["fleet_redis"] = connect(current_app.config["REDIS_URL"])
    return extensions["fleet_redis"]


def job_queue() -> Queue:
    return Queue(current_app.config["RQ_QUEUE"], connection=redis_connection())


def redis_ok(connection: Redis | None = None) -> bool:
    """One bounded PING; notes the outcome for `redis_recently_down`."""
    try:
        (connection or redis_connection()).ping()
    except (RedisError, OSError):
        mark_redis_down()
        return False
    mark_redis_up()
    return True


__all__ = [
    "QUEUE_DOWN",
    "QueueUnavailable",
    "RedisError",
    "connect",
    "job_queue",
    "mark_redis_down",
    "redis_connection",
    "redis_ok",
    "redis_recently_down",
]
