"""`make run` end to end: services, migrations, demo seed, web + worker + beat, clean stop.

The runner is started as scripts and CI systems start background jobs: SIGINT inherited as
ignored. Every process a test starts is killed at its end, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import psycopg
import pytest
from django.db import connection

from eiso.console.demo_platform import CLIENT_ID, DIRECTORY
from eiso.testing.exchange_platform import Platform
from eiso.testing.services import spare_redis_url, worker_index

ROOT = Path(__file__).resolve().parents[2]
DATABASE = f"test_eiso_devrun_{worker_index()}"
STOPPED_WITHIN = 10 + 5  # the runner's STOP_TIMEOUT, and a margin for a loaded machine
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


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `cmd &` in a non-interactive shell


@pytest.fixture
def spawn():
    """Start processes in a session of their own; kill every one left, children included."""
    started: list[subprocess.Popen] = []

    def start(args, **kwargs):
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=_ignore_sigint,
            **kwargs,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        _kill_tree(process.pid)
        if process.stdout:
            process.stdout.close()


def _kill_tree(pid: int) -> None:
    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for each in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            each.kill()
    psutil.wait_procs(family, timeout=10)


def _descendants(pid: int) -> list[int]:
    return [child.pid for child in psutil.Process(pid).children(recursive=True)]


def _read_until(process, marker: str, timeout: float) -> str:
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            break
    return "".join(lines)


def test_make_run_starts_everything_prints_sign_ins_and_stops_cleanly(
    fresh_database, settings, spawn
):
    port = _free_port()
    environment = dict(
        os.environ,
        DATABASE_URL=fresh_database,
        REDIS_URL=spare_redis_url(settings.REDIS_URL),
        PORT=str(port),
        AGENCY_POOL_SIZE="1",
        WORKER_CONCURRENCY="1",
    )
    environment.pop("SITE_PORT", None)
    process = spawn([sys.executable, "-m", "eiso.devrun"], env=environment)
    output = _read_until(process, "Ctrl-C stops everything", timeout=180)
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

    _the_worker_delivers_the_demo_decision_to_the_simulated_platform(output)

    children = _descendants(process.pid)
    assert len(children) >= 4  # platform, web, worker, beat (and their own processes)
    os.kill(process.pid, signal.SIGINT)  # to the runner alone, SIGINT inherited as ignored
    rest, _ = process.communicate(timeout=STOPPED_WITHIN)
    assert process.returncode == 0, rest[-2000:]
    assert "stopped." in rest
    assert not [pid for pid in children if psutil.pid_exists(pid) and _alive(pid)]
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # the web server is gone

    # A second run reuses the data: nothing to create.
    again = spawn([sys.executable, "-m", "eiso.devrun", "--setup-only"], env=environment)
    second, _ = again.communicate(timeout=120)
    assert again.returncode == 0, second[-2000:]
    assert "demo data already present" in second
    assert "5 up to date" in second or "up to date, 0 to migrate" in second


def _the_worker_delivers_the_demo_decision_to_the_simulated_platform(output: str) -> None:
    found = re.search(r"Simulated province platform \(LGSP\): http://127\.0\.0\.1:(\d+)", output)
    assert found, output[-3000:]
    secret = (ROOT / DIRECTORY / "client-secret").read_text().strip()
    platform = Platform(ROOT, client_id=CLIENT_ID, secret=secret, port=int(found[1]))
    deadline = time.monotonic() + 120  # the outbox relay, then the worker
    while not platform.report()["packages"] and time.monotonic() < deadline:
        time.sleep(1)
    (package,) = platform.report()["packages"]
    assert package["attachments"] == ["quyet-dinh-ban-hanh.pdf"]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# The supervisor alone, with children that are cheap to start: every stop signal, a child
# that ignores SIGTERM, a grandchild, and a child that dies on its own.
SUPERVISED = """
import signal, subprocess, sys, time
from eiso import devrun
devrun.STOP_TIMEOUT = float(sys.argv[1])
devrun.install_signal_handlers()
sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
stubborn = [sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"]
parent = [sys.executable, "-c",
    "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
    "'import time; time.sleep(600)']); time.sleep(600)"]
quitter = [sys.executable, "-c", "import time; time.sleep(float(%r)); raise SystemExit(3)"
           % sys.argv[2]]
commands = {"sleeper": sleeper, "stubborn": stubborn, "parent": parent, "quitter": quitter}
sys.exit(devrun.serve(commands, announce=lambda children: print("up", flush=True)))
"""


def _supervised(spawn, *, quit_after: float = 600, stop_timeout: float = 2):
    process = spawn([sys.executable, "-c", SUPERVISED, str(stop_timeout), str(quit_after)])
    assert "up" in _read_until(process, "up", timeout=30)
    deadline = time.monotonic() + 10
    while len(_descendants(process.pid)) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)  # the grandchild
    return process, _descendants(process.pid)


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["INT", "TERM", "HUP"]
)
def test_a_stop_signal_to_the_runner_alone_stops_every_child_and_exits_0(spawn, signum):
    process, family = _supervised(spawn)
    assert len(family) == 5
    started = time.monotonic()
    os.kill(process.pid, signum)
    output, _ = process.communicate(timeout=STOPPED_WITHIN)
    assert process.returncode == 0, output
    assert time.monotonic() - started < 2 + 3  # the stubborn child: killed after the timeout
    assert "stopped." in output
    assert not [pid for pid in family if _alive(pid)]


def test_a_child_that_dies_stops_the_others_and_gives_its_status(spawn):
    process, family = _supervised(spawn, quit_after=1)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 3, output
    assert "quitter exited with status 3" in output
    assert not [pid for pid in family if _alive(pid)]


def test_children_die_with_a_killed_runner(spawn):
    process, family = _supervised(spawn)
    children = [
        child  # the one that ignores SIGTERM is the runner's to kill, and the runner is dead
        for child in psutil.Process(process.pid).children()
        if "SIG_IGN" not in " ".join(child.cmdline())
    ]
    assert len(children) == 3
    process.kill()  # no handler runs: the kernel's parent-death signal does the work
    process.wait(10)
    psutil.wait_procs(children, timeout=10)
    assert not [child.pid for child in children if _alive(child.pid)]
