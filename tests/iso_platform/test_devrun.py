"""`make run` end to end: services, migrations, demo seed, web + worker + beat, clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "test_eiso_devrun"
pytestmark = pytest.mark.slow


def _server_url(database: str) -> str:
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@/{database}?host={db['HOST']}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{database}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fresh_database(django_db_setup):
    admin = psycopg.connect(_server_url("postgres"), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{DATABASE}"')
    yield _server_url(DATABASE)
    admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin.close()


def _get(url: str, host: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 - local http
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _start(environment, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "iso_platform.devrun", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_make_run_starts_everything_prints_sign_ins_and_stops_cleanly(fresh_database, settings):
    port = _free_port()
    redis_url = settings.REDIS_URL.replace("db=1", "db=2")
    environment = dict(
        os.environ,
        DATABASE_URL=fresh_database,
        REDIS_URL=redis_url,
        PORT=str(port),
        AGENCY_POOL_SIZE="1",
        WORKER_CONCURRENCY="1",
    )
    environment.pop("SITE_PORT", None)
    process = _start(environment)
    lines = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Ctrl-C stops everything" in line:
            break
    output = "".join(lines)
    try:
        assert "eISO is running." in output, output[-3000:]
        assert f"http://sokhcn.localhost:{port}" in output
        assert f"http://localhost:{port}" in output
        assert "quantri@eiso.test" in output and "eiso-demo-2026" in output

        base = f"http://127.0.0.1:{port}"
        assert _get(base + "/accounts/login/", f"sokhcn.localhost:{port}")[0] == 200
        status, body = _get(base + "/accounts/login/", f"localhost:{port}")
        assert status == 200 and "Bảng điều khiển cấp tỉnh" in body
        assert _get(base + "/", f"khongco.localhost:{port}")[0] == 404
        assert _get(base + "/readyz", "10.0.0.1")[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, rest[-2000:]
    assert "stopped." in rest
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # the web server is gone

    # A second run reuses the data: nothing to create.
    again = _start(environment, "--setup-only")
    second, _ = again.communicate(timeout=120)
    assert again.returncode == 0, second[-2000:]
    assert "demo data already present" in second
    assert "5 up to date" in second or "up to date, 0 to migrate" in second
