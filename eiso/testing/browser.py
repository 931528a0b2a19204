"""Real-browser tests: Debian's Chromium driven by Playwright (no browser download).

A browser test never disappears silently. On CI (`CI` set) a missing or broken Chromium
fails the test; on a developer's machine the test is skipped with the command that
installs it. `.ci/run` installs the package when it is missing.
"""

from __future__ import annotations

import contextlib
import os
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
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@contextlib.contextmanager
def live_server() -> Iterator[int]:
    """Django's live server thread (static files served) on a free port; yields the port.

    The test's data must be committed (the `committed` fixture): the server has its own
    connection.
    """
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    server = LiveServerThread("localhost", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    try:
        yield server.port
    finally:
        server.terminate()
