"""The Django cache on Redis, made optional: Redis down means "nothing cached", not a 500.

Everything eISO keeps in the cache can be lost: banners and figures are recomputed,
debounce keys only save duplicate tasks (beat re-queues what they were for), and the
survey's rate limit fails open (RATELIMIT_FAIL_OPEN). So when Redis does not answer, a read
returns the default, a write stores nothing (`add` says False, `incr` raises ValueError as
for a missing key), and a warning is logged.

After a failure the cache is not even tried for `RETRY_AFTER_SECONDS`: a hung Redis would
otherwise cost every cache call of a page its socket timeout.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5.0
_MISSING = object()
_resting_until: dict[tuple, float] = {}


def _resilient(default):
    """Run the RedisCache method; on a Redis error (or while resting) return `default`."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            where = tuple(self._servers)
            if time.monotonic() < _resting_until.get(where, 0.0):
                return _answer(default)
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                # Per process, not per thread: Django gives each thread its own cache object.
                _resting_until[where] = time.monotonic() + RETRY_AFTER_SECONDS
                logger.warning(
                    "cache unavailable, going without it for %.0f s: %s", RETRY_AFTER_SECONDS, exc
                )
                return _answer(default)

        return guarded

    return wrap


def _answer(default):
    if isinstance(default, type) and issubclass(default, Exception):
        raise default("cache unavailable")
    return default() if callable(default) else default


class ResilientRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        found = self._get(key, _MISSING, version)
        return default if found is _MISSING else found

    _get = _resilient(_MISSING)(RedisCache.get)
    get_many = _resilient(dict)(RedisCache.get_many)
    has_key = _resilient(False)(RedisCache.has_key)
    add = _resilient(False)(RedisCache.add)
    set = _resilient(None)(RedisCache.set)
    set_many = _resilient(list)(RedisCache.set_many)
    touch = _resilient(False)(RedisCache.touch)
    delete = _resilient(False)(RedisCache.delete)
    delete_many = _resilient(None)(RedisCache.delete_many)
    incr = _resilient(ValueError)(RedisCache.incr)
    clear = _resilient(False)(RedisCache.clear)
