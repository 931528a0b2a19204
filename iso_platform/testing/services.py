"""pytest plugin (loaded with `-p` before pytest-django reads the settings).

Tests run against real PostgreSQL and Redis: the URLs from the environment, or
the embedded servers (settings start them when DEBUG is on and no URL is set).
Tests use their own Redis logical database so that a `make run` worker next to
them never picks up a test's tasks.
"""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EISO_REDIS_DB", "1")
os.environ.setdefault("BASE_DOMAIN", "localhost")
os.environ.pop("SITE_PORT", None)
