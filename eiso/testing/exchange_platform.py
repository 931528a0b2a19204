"""The province's integration platform as a live service in tests: the simulator
(integrations/exchange/simulator.py) run as a real process on 127.0.0.1, as `make run` runs it.

`Platform.report()` reads `GET /received` with a token of its own; it keeps count of the
tokens it fetched so that `report()["eiso_tokens"]` counts only those eISO fetched.
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus

from eiso.testing.pki import free_port, wait_for_port

# The secret holds what RFC 6749 section 2.3.1 form-encodes before HTTP Basic.
CLIENT_ID, CLIENT_SECRET = "eiso-thu-nghiem", "bi-mat:cua+ung dung%2F"


@dataclass
class Platform:
    directory: Path
    client_id: str = CLIENT_ID
    secret: str = CLIENT_SECRET
    token_lifetime: int = 3600
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    own_tokens: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        secret_file = self.directory / "platform-secret"
        secret_file.write_text(self.secret)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "integrations.exchange.simulator", f"--port={self.port}"]
            + [f"--client-id={self.client_id}", f"--secret-file={secret_file}"]
            + [f"--token-lifetime={self.token_lifetime}"]
        )
        wait_for_port(self.port, self.process)
        self.own_tokens = 0

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def restart(self) -> None:
        """A platform that forgot every token it issued (as one that revoked them)."""
        self.stop()
        self.start()

    def token(self) -> str:
        pair = f"{quote_plus(self.client_id)}:{quote_plus(self.secret)}"
        request = urllib.request.Request(  # noqa: S310 - the test's own server
            self.token_url,
            data=b"grant_type=client_credentials",
            headers={"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            self.own_tokens += 1
            return json.loads(answer.read())["access_token"]

    def report(self) -> dict:
        """`GET /received`: the packages, and `eiso_tokens` the tokens issued to eISO."""
        request = urllib.request.Request(  # noqa: S310 - the test's own server
            f"{self.url}/received", headers={"Authorization": f"Bearer {self.token()}"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            report = json.loads(answer.read())
        report["eiso_tokens"] = report["tokens"] - self.own_tokens
        return report


@contextlib.contextmanager
def exchange_platform(directory: Path, **options) -> Iterator[Platform]:
    platform = Platform(directory, **options)
    platform.start()
    try:
        yield platform
    finally:
        platform.stop()
