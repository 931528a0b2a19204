"""Errors per agency and hour, counted in Redis by a logging handler.

`TenantErrorCounter` is attached to the root logger (see LOGGING in settings, and the
Celery worker's `after_setup_logger` hook in `eiso/celery.py`). For every ERROR or
CRITICAL record it increments one field of an hourly hash in Redis:

    eiso:health:errors:<YYYYMMDDHH, UTC>  ->  {<schema>: count, ...}   (expires after 26 h)

The schema comes from the logging context (`iso_platform.logging_context`): an agency's
schema name, `public` for the console, `-` for lines outside any request or task. The
platform health page reads the last 24 buckets back (`errors_last_24h`).

The handler must never break or slow down the request that logs: it uses a short socket
timeout, swallows every exception, and after a failure stays quiet for
`RETRY_AFTER_SECONDS` (the errors of that window are not counted) instead of waiting on an
unreachable Redis for every record.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from iso_platform.logging_context import ContextFilter, schema_var

KEY_PREFIX = "eiso:health:errors:"
KEY_TTL_SECONDS = 26 * 3600
SOCKET_TIMEOUT = 0.25
RETRY_AFTER_SECONDS = 30.0
MAX_SCHEMA_LENGTH = 63  # PostgreSQL identifiers; anything longer is not a schema


def bucket_key(moment: datetime) -> str:
    return KEY_PREFIX + moment.astimezone(UTC).strftime("%Y%m%d%H")


def redis_client(url: str | None = None):
    """A client with short timeouts, on `url` or the platform's REDIS_URL."""
    import redis

    if url is None:
        from django.conf import settings

        url = settings.REDIS_URL
    return redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
    )


_shared: dict[str, object] = {}


def shared_client():
    """One short-timeout client per process on REDIS_URL (redis-py's pool is fork-safe)."""
    from django.conf import settings

    client = _shared.get(settings.REDIS_URL)
    if client is None:
        client = _shared[settings.REDIS_URL] = redis_client(settings.REDIS_URL)
    return client


class TenantErrorCounter(logging.Handler):
    """Counts ERROR+ records per tenant schema and hour in Redis. Never raises."""

    def __init__(self, level=logging.ERROR, url: str | None = None):
        super().__init__(level)
        self.url = url
        self._client = None
        self._quiet_until = 0.0
        self._local = threading.local()

    def _redis(self):
        if self.url is None:
            return shared_client()
        if self._client is None:
            self._client = redis_client(self.url)
        return self._client

    def emit(self, record: logging.LogRecord) -> None:
        # Re-entrance guard: logging from inside the Redis client must not loop back here.
        if record.levelno < logging.ERROR or getattr(self._local, "busy", False):
            return
        if time.monotonic() < self._quiet_until:
            return
        self._local.busy = True
        try:
            schema = getattr(record, "schema", None)
            if not isinstance(schema, str) or not schema:
                schema = schema_var.get()
            schema = schema[:MAX_SCHEMA_LENGTH]
            key = bucket_key(datetime.fromtimestamp(record.created, UTC))
            pipe = self._redis().pipeline(transaction=False)
            pipe.hincrby(key, schema, 1)
            pipe.expire(key, KEY_TTL_SECONDS)
            pipe.execute()
        except Exception:  # noqa: BLE001 - a log handler must never raise
            self._quiet_until = time.monotonic() + RETRY_AFTER_SECONDS
            self._client = None
        finally:
            self._local.busy = False

    def resume(self) -> None:
        """Count again at once, forgetting a past Redis failure (after an outage is over;
        tests that ran an outage before)."""
        self._quiet_until = 0.0
        self._client = None

    def handleError(self, record):  # noqa: N802 - logging's name
        """Nothing to stderr either: emit() already swallowed the failure."""


def install_on(logger: logging.Logger) -> None:
    """Attach a counter (with the context filter) to `logger` unless it has one already.

    Celery's worker replaces the root logger's handlers with its own; the worker calls this
    from its `after_setup_logger` signal so that task errors are counted too.
    """
    if any(isinstance(h, TenantErrorCounter) for h in logger.handlers):
        return

    handler = TenantErrorCounter()
    handler.addFilter(ContextFilter())
    logger.addHandler(handler)


def errors_last_24h(*, now: datetime | None = None, client=None) -> tuple[list[datetime], dict]:
    """The last 24 hourly buckets, oldest first.

    Returns `(hours, counts)`: `hours` are the buckets' starts (aware UTC datetimes),
    `counts` maps each schema to a list of 24 numbers. Raises redis errors: the caller
    shows that the figures are unavailable.
    """
    now = now or datetime.now(UTC)
    start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    moments = [start - timedelta(hours=23 - i) for i in range(24)]
    client = client or shared_client()
    pipe = client.pipeline(transaction=False)
    for moment in moments:
        pipe.hgetall(bucket_key(moment))
    counts: dict[str, list[int]] = {}
    for i, bucket in enumerate(pipe.execute()):
        for raw_schema, raw_count in bucket.items():
            schema = raw_schema.decode() if isinstance(raw_schema, bytes) else str(raw_schema)
            counts.setdefault(schema, [0] * 24)[i] = int(raw_count)
    return moments, counts
