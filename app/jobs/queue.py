"""The Redis connection and the RQ queue, one per app."""

from __future__ import annotations

from flask import current_app
from redis import Redis
from rq import Queue


def connect(url: str) -> Redis:
    """A Redis client for a URL; "fakeredis://" gives an in-process fake (tests only)."""
    if url.startswith("fakeredis://"):
        import fakeredis

        return fakeredis.FakeRedis(server=fakeredis.FakeServer())
    return Redis.from_url(url)


def redis_connection() -> Redis:
    extensions = current_app.extensions
    if "fleet_redis" not in extensions:
        extensions["fleet_redis"] = connect(current_app.config["REDIS_URL"])
    return extensions["fleet_redis"]


def job_queue() -> Queue:
    return Queue(current_app.config["RQ_QUEUE"], connection=redis_connection())
