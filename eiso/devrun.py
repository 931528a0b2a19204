"""`make run`: everything a newcomer needs, in one process tree.

1. PostgreSQL and Redis: the URLs from the environment, or embedded servers
   (started, or reused when another `make run` or test session has them up);
2. migrations (public schema, then the fleet), the demo province, a warm pool;
3. the web server, a Celery worker and Celery beat as child processes, and the simulated
   province platform (LGSP, integrations/exchange/simulator.py) on a free local port unless
   the province's administrator configured another platform; the demo seed points the
   province's connection at it and sends one of sokhcn's issued decisions through it;
4. a banner with the URLs and demo sign-ins once the web server answers.

Ctrl-C, SIGINT, SIGTERM or SIGHUP stops the children within STOP_TIMEOUT seconds and
exits 0; then the embedded servers stop if nobody else uses them. A second `make run`
reuses the data under `.data/`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 10


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    # Our own handlers, before anything starts: a process started in the background by a
    # non-interactive shell inherits SIGINT as ignored, and Python then installs no
    # KeyboardInterrupt for it, so Ctrl-C or `kill -INT` would do nothing.
    install_signal_handlers()
    try:
        _prepare_environment(port)
        services = _ensure_services()
        platform_port = _allow_platform_port()
        platform = _setup_database(platform_port)
    except StopRequested:
        return 0
    if "--setup-only" in argv:
        return 0
    if platform is not None:
        services["Simulated province platform (LGSP)"] = (
            f"{platform.url} (token {platform.token_url}, client {platform.client_id}, "
            f"secret in {platform.secret_file.relative_to(BASE_DIR)})"
        )

    def announce(children):
        _wait_until_up(port, children)
        _print_banner(port, services)

    return serve(_commands(host, port, platform), announce)


def serve(commands: dict[str, list[str]], announce=None) -> int:
    """Start the commands, supervise them until one exits or a stop signal comes, stop all.

    Returns 0 on a requested stop, else the status of the child that exited first.
    """
    children: dict[str, subprocess.Popen] = {}
    try:
        for name, cmd in commands.items():  # filled as they start: a stop in between
            children[name] = _spawn(cmd)  # still stops those already running
        if announce is not None:
            announce(children)
        return _supervise(children)
    except StopRequested:
        return 0
    finally:
        _stop(children)


class StopRequested(Exception):  # noqa: N818 - a request, not an error
    """SIGINT, SIGTERM or SIGHUP reached the runner."""


def _prepare_environment(port: int) -> None:
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("SITE_PORT", str(port))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eiso.settings")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    # The demo province's Department of Science and Technology runs its QMS here too.
    os.environ.setdefault("ANNUAL_REPORT_RECEIVER", "sokhcn")
    os.environ.setdefault("PROVINCE_NAME", "An Giang")  # the demo's province


def _ensure_services() -> dict[str, str]:
    """Export DATABASE_URL / REDIS_URL so that every child uses the same servers."""
    # Development only: the embedded servers' package is not in the production image.
    from iso_platform import embedded

    described = {}
    if not os.environ.get("DATABASE_URL") and not os.environ.get("DATABASE_URL_FILE"):
        os.environ["DATABASE_URL"] = embedded.postgres_url("eiso")
        described["PostgreSQL"] = f"embedded, data in {embedded.data_dir() / 'pg'}"
    else:
        described["PostgreSQL"] = "DATABASE_URL"
    if not os.environ.get("REDIS_URL") and not os.environ.get("REDIS_URL_FILE"):
        os.environ["REDIS_URL"] = embedded.redis_url(0)
        described["Redis"] = f"embedded, socket {embedded.data_dir() / 'redis' / 'redis.sock'}"
    else:
        described["Redis"] = "REDIS_URL"
    return described


def _allow_platform_port() -> int:
    """A free local port for the simulated platform, allowed to the guarded outbound client
    of every process (read with the settings, before Django starts)."""
    from eiso.console import demo_platform  # its settings are read lazily, never here

    port = demo_platform.platform_port(BASE_DIR / demo_platform.DIRECTORY)
    given = os.environ.get("OUTBOUND_ALLOWED_HOSTS", "")
    os.environ["OUTBOUND_ALLOWED_HOSTS"] = ",".join(filter(None, [given, f"127.0.0.1:{port}"]))
    return port


def _setup_database(platform_port: int):
    """Migrate and seed; the simulated platform to start, or None."""
    import django
    from django.core.management import call_command

    django.setup()
    _say("migrating the public schema and every agency schema ...")
    call_command("migrate_fleet", include_public=True, verbosity=0)
    platform = _demo_platform(platform_port)
    _say("seeding the demo province ...")
    call_command("seed_demo")
    _say("filling the warm pool of spare schemas ...")
    call_command("pool_refill")
    from django.db import connections

    connections.close_all()
    return platform


def _demo_platform(port: int):
    """The simulated platform of this run, unless the province configured another one."""
    from django_tenants.utils import get_public_schema_name, schema_context

    from eiso.console import demo_platform  # after django.setup(): it reads settings
    from integrations.exchange.province.models import PlatformConnection  # a model, likewise

    directory = demo_platform.demo_platform_directory()
    with schema_context(get_public_schema_name()):
        row = PlatformConnection.load()
    if row.url and not demo_platform.is_simulated(row.url, row.client_id):
        demo_platform.platform_forget(directory)
        _say(f"the province's exchange platform is {row.url}: no simulated platform")
        return None
    return demo_platform.platform_prepare(directory, port)


def _commands(host: str, port: int, platform=None) -> dict[str, list[str]]:
    python = sys.executable
    manage = str(BASE_DIR / "manage.py")
    # The platform first: the worker's first delivery finds it listening.
    simulated = {"platform": platform.command()} if platform is not None else {}
    return {
        **simulated,
        "web": [python, manage, "runserver", f"{host}:{port}", "--skip-checks"],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "eiso",
            "worker",
            "-l",
            "INFO",
            "--concurrency",
            os.environ.get("WORKER_CONCURRENCY", "2"),
        ],
        "beat": [python, "-m", "celery", "-A", "eiso", "beat", "-l", "INFO"],
    }


def _spawn(cmd: list[str]) -> subprocess.Popen:
    # Each child leads a process group of its own (runserver's reloader and the worker's
    # pool live in it): Ctrl-C on the terminal reaches the runner alone, which then stops
    # the children in order, and a stop signal reaches every process of a child.
    return subprocess.Popen(cmd, cwd=BASE_DIR, start_new_session=True, preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the runner dies, even by SIGKILL (Linux)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # not the runner's ignored or custom one
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the runner still stops them
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


def install_signal_handlers() -> None:
    def stop(signum, _frame):
        # Later signals while stopping are ignored: the stop is bounded by STOP_TIMEOUT.
        for each in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(each, signal.SIG_IGN)
        raise StopRequested(signal.Signals(signum).name)

    for each in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(each, stop)


def _wait_until_up(port: int, children, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/healthz"
    while time.monotonic() < deadline:
        _check_alive(children)
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - local URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the web server did not answer on {url} within {timeout:.0f} s")


def _check_alive(children) -> None:
    for name, proc in children.items():
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with status {proc.returncode}")


def _supervise(children) -> int:
    while True:
        for name, proc in children.items():
            if proc.poll() is not None:
                _say(f"{name} exited with status {proc.returncode}; stopping everything")
                return proc.returncode or 1
        time.sleep(0.5)


def _stop(children) -> None:
    if not children:
        return
    for proc in children.values():
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        _signal_group(proc, signal.SIGKILL)  # what the child left behind in its group
    _say("stopped.")


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)


def _print_banner(port: int, services: dict[str, str]) -> None:
    # After django.setup(): the demo module reads models.
    from eiso.console.demo import AGENCIES, DEMO_PASSWORD, PROVINCE_USERS
    from eiso.console.demo_pki import DEMO_SIGNING_PASSWORD

    suffix = "" if port == 80 else f":{port}"
    lines = ["", "eISO is running.", "", f"Province console  http://localhost{suffix}"]
    lines += [f"    {u.email:<28} {DEMO_PASSWORD}   {u.role.label}" for u in PROVINCE_USERS]
    for code, name, _kind, _parent, people in AGENCIES:
        lines.append(f"{name}  http://{code}.localhost{suffix}")
        lines += [
            f"    {u.email:<28} {DEMO_PASSWORD}   {u.role.label}"
            + (" · quản trị cơ quan" if u.is_agency_admin else "")
            for u in people
        ]
    lines.append(f"Citizens' survey (no sign-in)  http://sokhcn.localhost{suffix}/s/")
    lines.append(
        f"Digital signatures (sokhcn: lanhdao, thuky, danhgia and the agency's certificate; "
        f"console: quantri signs the pilot evaluation report): "
        f"password {DEMO_SIGNING_PASSWORD}; demo CA .data/demo-pki/ca.pem"
    )
    lines += [""] + [f"{key}: {value}" for key, value in services.items()]
    lines += ["API docs: /api/v1/docs/ on every host.  Ctrl-C stops everything.", ""]
    print("\n".join(lines), flush=True)


def _say(text: str) -> None:
    print(f"[make run] {text}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
