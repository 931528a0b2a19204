"""The simulated province platform (LGSP) of the demo: `make run` starts it beside web,
worker and beat (eiso/devrun.py), the demo seed points the province's connection at it and
sends one of sokhcn's issued ISO decisions through it (eiso/console/demo.py).

The two meet in a folder under .data/ (never committed): `client-secret` (made once,
readable by its owner only) and `platform.json` (the address of the run in progress). A
province whose administrator configured another platform is left alone: no simulator runs
and the seed changes nothing.
"""

from __future__ import annotations

import json
import secrets
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

CLIENT_ID = "eiso-demo"
HOST = "127.0.0.1"
DIRECTORY = Path(".data") / "exchange-platform"  # under the checkout


@dataclass(frozen=True)
class DemoPlatform:
    url: str
    client_id: str
    secret_file: Path
    secret: str = field(repr=False)

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 80

    def command(self) -> list[str]:
        return [sys.executable, "-m", "integrations.exchange.simulator", f"--port={self.port}"] + [
            f"--client-id={self.client_id}",
            f"--secret-file={self.secret_file}",
        ]


def demo_platform_directory() -> Path:
    return Path(settings.BASE_DIR) / DIRECTORY


def platform_port(directory: Path) -> int:
    """The port of the last run if it is free again (the connection stays as it is), else
    any free one. Needs no Django: `make run` allows it before the settings are read."""
    try:
        last = urlsplit(json.loads((directory / "platform.json").read_text())["url"]).port
    except (OSError, ValueError, KeyError, TypeError):
        last = None
    for candidate in ([last] if last else []) + [0]:
        with socket.socket() as probe:
            # As the simulator binds (allow_reuse_address): the last run's closed connections
            # may linger in TIME_WAIT on its port.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free local port")


def is_simulated(url: str, client_id: str) -> bool:
    """Whether a configured connection is the demo's own simulator (of this or a past run)."""
    return client_id == CLIENT_ID and urlsplit(url or "").hostname == HOST


def platform_prepare(directory: Path, port: int) -> DemoPlatform:
    """This run's platform on `port`: its secret (kept across runs) and its address."""
    directory.mkdir(parents=True, exist_ok=True)
    secret_file = directory / "client-secret"
    if not secret_file.exists():
        secret_file.touch(mode=0o600)
        secret_file.write_text(secrets.token_urlsafe(32))
    url = f"http://{HOST}:{port}"
    (directory / "platform.json").write_text(json.dumps({"url": url, "client_id": CLIENT_ID}))
    return DemoPlatform(url, CLIENT_ID, secret_file, secret_file.read_text().strip())


def platform_forget(directory: Path) -> None:
    (directory / "platform.json").unlink(missing_ok=True)


def platform_read(directory: Path) -> DemoPlatform | None:
    """The platform of the run in progress, or None when none was started."""
    try:
        described = json.loads((directory / "platform.json").read_text())
        secret_file = directory / "client-secret"
        secret = secret_file.read_text().strip()
    except (OSError, ValueError):
        return None
    return DemoPlatform(described["url"], described["client_id"], secret_file, secret)
