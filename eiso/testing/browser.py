"""Real-browser tests: Debian's Chromium driven by Playwright (no browser download).

A browser test never disappears silently. On CI (`CI` set) a missing or broken Chromium
fails the test; on a developer's machine the test is skipped with the command that
installs it. `.ci/run` installs the package when it is missing.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("EISO_CHROMIUM", "/usr/bin/chromium"))
INSTALL_COMMAND = "make browser (sudo apt-get update && sudo apt-get install -y chromium)"

# Headless, and quiet on a closed network: without the background-networking switches
# Chromium keeps opening connections that this kind of machine refuses.
LAUNCH_ARGS = [
    "--no-sandbox",  # root in CI containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# A phone, as the journeys and the phone tests use it.
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}

# The innermost elements that stick out past the right edge of the viewport.
OVERFLOWING_JS = """
(() => {
  const out = e => e.getBoundingClientRect().right > window.innerWidth + 0.5;
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className.trim()
       ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  return [...document.querySelectorAll('body *')]
    .filter(e => out(e) && ![...e.children].some(out))
    .slice(0, 5)
    .map(e => name(e) + ' (' + Math.round(e.getBoundingClientRect().right) + 'px)');
})()
"""


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """Fail on CI, skip elsewhere with the install command."""
    if on_ci():
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(f"{reason}; install it with: {INSTALL_COMMAND}")


def require_chromium() -> Path:
    if not CHROMIUM.exists():
        unavailable(f"Debian's chromium package is not installed ({CHROMIUM} is missing)")
    return CHROMIUM


def _close_connections_opened_inside(outside: dict) -> None:
    """While Playwright's event loop is set, Django hands the test's own ORM calls other
    connections than the test's (its connections are kept per context, and asgiref sees
    another one). Nothing closes those afterwards: idle, they keep the test database from
    being dropped. Closed here, by their owner; the test's own connections (maybe in a
    transaction) are left alone."""
    from django.db import connections

    for alias, wrapper in outside.items():
        inside = connections[alias]
        if inside is not wrapper:
            inside.close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A launched headless Chromium (Playwright `Browser`), closed afterwards."""
    executable = require_chromium()
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread, so Django refuses the test's
    # own (synchronous, between browser calls) ORM reads unless told it is safe.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections

    outside = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as p:
            try:
                browser = p.chromium.launch(executable_path=str(executable), args=LAUNCH_ARGS)
            except PlaywrightError as exc:
                unavailable(f"Chromium at {executable} did not start: {exc}")
            try:
                yield browser
            finally:
                browser.close()
                _close_connections_opened_inside(outside)
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


# Which live server, if any, the current thread serves: its thread and its request threads
# say so, so that the database sessions they open are known to be that server's.
_serving = threading.local()


@contextlib.contextmanager
def live_server() -> Iterator[int]:
    """Django's live server thread (static files served) on a free port; yields the port.

    The test's data must be committed (the `committed` fixture): the server has its own
    connection.

    At the end, the database sessions the server's threads opened are closed, and only those:
    a request thread can outlive the server (it is a daemon, and may still wait on a browser's
    kept-alive connection) with its session open, and the test database cannot be dropped
    while that session exists. Each session is named by its backend's pid and start time when
    Django opens it (`connection_created`, in a thread of this server), so a session of any
    other thread or process on the same database (a Celery worker, another server) is never
    touched, even if the pid was reused since.
    """
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.db import connections
    from django.db.backends.signals import connection_created
    from django.test.testcases import LiveServerThread

    backends: list[tuple[str, int, object]] = []  # (alias, pid, backend start)
    requests: list[threading.Thread] = []

    class Server(ThreadedWSGIServer):
        def process_request_thread(self, request, client_address):
            _serving.backends = backends
            requests.append(threading.current_thread())
            super().process_request_thread(request, client_address)

    class Thread(LiveServerThread):
        server_class = Server

        def run(self):
            _serving.backends = backends
            super().run()

    def record(sender, connection, **kwargs):
        if getattr(_serving, "backends", None) is not backends:
            return
        with connection.connection.cursor() as cursor:  # the driver's: no Django state touched
            cursor.execute(
                "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
            )
            pid, started = cursor.fetchone()
        backends.append((connection.alias, pid, started))

    connection_created.connect(record, weak=False)
    server = Thread("localhost", StaticFilesHandler, port=0)
    server.daemon = True
    try:
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        yield server.port
    finally:
        server.terminate()
        deadline = time.monotonic() + 3
        for thread in list(requests):  # each closes its sessions when its client has gone
            thread.join(timeout=max(0, deadline - time.monotonic()))
        connection_created.disconnect(record)
        for alias, pid, started in backends:
            with connections[alias].cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE pid = %s AND backend_start = %s",
                    [pid, started],
                )
