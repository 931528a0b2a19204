"""pytest plugin (loaded with `-p` before pytest-django reads the settings).

Tests run against real PostgreSQL and Redis: the URLs from the environment, or
the embedded servers (settings start them when DEBUG is on and no URL is set).

Tests use Redis logical databases of their own, so that a `make run` worker next to
them never picks up a test's tasks. With pytest-xdist each worker has its own three
(its tests', one for processes that a test starts on a Redis database of their own, one
for the benchmarks), as it has its own PostgreSQL database (pytest-django's `_gwN`
suffix). xdist's workers inherit the controller's environment, so the values are
computed from what the session was given (kept in EISO_TEST_REDIS_URL), never from
what the controller set.
"""

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDIS_DATABASES_PER_WORKER = 3
REDIS_DATABASES = 16  # Redis' default `databases`


def worker_index() -> int:
    """0 without xdist, N for xdist's worker `gwN`."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


def redis_databases() -> tuple[int, int, int]:
    """(tests, spare, benchmarks) logical databases of this worker."""
    base = 1 + REDIS_DATABASES_PER_WORKER * worker_index()
    if base + REDIS_DATABASES_PER_WORKER > REDIS_DATABASES:
        raise RuntimeError(
            f"xdist worker {worker_index()}: Redis has {REDIS_DATABASES} logical databases, "
            f"enough for {(REDIS_DATABASES - 1) // REDIS_DATABASES_PER_WORKER} workers"
        )
    return base, base + 1, base + 2


def with_redis_db(url: str, db: int) -> str:
    """The same Redis server, logical database `db` (`redis://h:p/N` or `unix://path?db=N`)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":  # urlunsplit would drop the `//` of an empty host
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


def spare_redis_url(redis_url: str) -> str:
    """For a process a test starts that must not share the tests' queues and cache."""
    return with_redis_db(redis_url, redis_databases()[1])


_tests_db, _spare_db, _bench_db = redis_databases()
_given = os.environ.setdefault("EISO_TEST_REDIS_URL", os.environ.get("REDIS_URL", ""))
if _given:
    os.environ["REDIS_URL"] = with_redis_db(_given, _tests_db)
else:
    os.environ["EISO_REDIS_DB"] = str(_tests_db)
os.environ["EISO_BENCH_REDIS_DB"] = str(_bench_db)
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("BASE_DOMAIN", "localhost")
os.environ.pop("SITE_PORT", None)
