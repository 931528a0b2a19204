"""A minimal Cloud Signature Consortium (CSC API v1) signing service for tests.

It really holds a key and really signs hashes, so that a PDF signed through it validates.
It speaks the part of the API eISO's client uses: `info`, `credentials/list`,
`credentials/info`, `credentials/authorize` (PIN; SCAL 2: the SAD is bound to the hashes
and used once) and `signatures/signHash` (RSA PKCS#1 v1.5 over SHA-256/384/512).

Run as a subprocess (`csc_service()` below) on 127.0.0.1, a free port, which it prints:
    python -m eiso.testing.csc_server --key k.pem --certs chain.pem --credential ID
        --token TOKEN --pin PIN
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, utils

SHA256_RSA = "1.2.840.113549.1.1.11"
RSA = "1.2.840.113549.1.1.1"
DIGESTS = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256(),
    "2.16.840.1.101.3.4.2.2": hashes.SHA384(),
    "2.16.840.1.101.3.4.2.3": hashes.SHA512(),
}
SIGN_ALGORITHMS = {
    SHA256_RSA: "2.16.840.1.101.3.4.2.1",
    "1.2.840.113549.1.1.12": "2.16.840.1.101.3.4.2.2",
    "1.2.840.113549.1.1.13": "2.16.840.1.101.3.4.2.3",
    RSA: None,  # the hash algorithm comes from hashAlgo
}


class CscError(Exception):
    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet: the test output is the report
        pass

    def do_POST(self):  # noqa: N802 - http.server's naming
        service = self.server.service
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            answer = service.dispatch(self.path, self.headers.get("Authorization", ""), body)
            self._send(200, answer)
        except CscError as exc:
            self._send(exc.status, {"error": exc.error, "error_description": exc.description})
        except (ValueError, KeyError, TypeError) as exc:
            self._send(400, {"error": "invalid_request", "error_description": repr(exc)})

    def _send(self, status: int, answer: dict) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@dataclass
class Service:
    key: object
    certs: list[bytes]  # DER, the signer's first
    credential: str
    token: str
    pin: str
    sads: dict
    lock: threading.Lock

    def dispatch(self, path: str, authorization: str, body: dict) -> dict:
        name = path.removeprefix("/csc/v1/")
        if name == "info":
            return {
                "specs": "1.0.4.0",
                "name": "eISO test CSC service",
                "lang": "vi-VN",
                "authType": ["oauth2code"],
                "methods": [
                    "credentials/list",
                    "credentials/info",
                    "credentials/authorize",
                    "signatures/signHash",
                ],
            }
        if authorization != f"Bearer {self.token}":
            raise CscError(401, "invalid_token", "The access token is not valid")
        handlers = {
            "credentials/list": self.credentials_list,
            "credentials/info": self.credentials_info,
            "credentials/authorize": self.authorize,
            "signatures/signHash": self.sign_hash,
        }
        if name not in handlers:
            raise CscError(404, "invalid_request", f"unknown endpoint {name}")
        return handlers[name](body)

    def _credential(self, body: dict) -> None:
        if body.get("credentialID") != self.credential:
            raise CscError(400, "invalid_request", "Invalid parameter credentialID")

    def credentials_list(self, body: dict) -> dict:
        return {"credentialIDs": [self.credential]}

    def credentials_info(self, body: dict) -> dict:
        self._credential(body)
        return {
            "key": {"status": "enabled", "algo": [SHA256_RSA, RSA], "len": self.key.key_size},
            "cert": {
                "status": "valid",
                "certificates": [base64.b64encode(der).decode() for der in self.certs],
            },
            "authMode": "explicit",
            "PIN": {"presence": "true", "format": "N"},
            "SCAL": "2",
            "multisign": 1,
        }

    def authorize(self, body: dict) -> dict:
        self._credential(body)
        if body.get("PIN") != self.pin:
            raise CscError(400, "invalid_pin", "The PIN is invalid")
        hashes_ = body.get("hash")
        if not isinstance(hashes_, list) or len(hashes_) != int(body.get("numSignatures", 0)):
            raise CscError(400, "invalid_request", "SCAL 2: the hashes must be given")
        sad = secrets.token_urlsafe(24)
        with self.lock:
            self.sads[sad] = set(hashes_)
        return {"SAD": sad, "expiresIn": 300}

    def sign_hash(self, body: dict) -> dict:
        self._credential(body)
        with self.lock:
            allowed = self.sads.pop(body.get("SAD"), None)  # one use only
        hashes_ = body["hash"]
        if allowed is None or not set(hashes_) <= allowed:
            raise CscError(400, "invalid_request", "Invalid SAD for these hashes")
        sign_algorithm = body["signAlgo"]
        if sign_algorithm not in SIGN_ALGORITHMS:
            raise CscError(400, "invalid_request", "Unsupported signAlgo")
        digest_oid = SIGN_ALGORITHMS[sign_algorithm] or body["hashAlgo"]
        if digest_oid != body.get("hashAlgo", digest_oid) or digest_oid not in DIGESTS:
            raise CscError(400, "invalid_request", "hashAlgo does not match signAlgo")
        prehashed = utils.Prehashed(DIGESTS[digest_oid])
        signatures = [
            base64.b64encode(
                self.key.sign(base64.b64decode(h), padding.PKCS1v15(), prehashed)
            ).decode()
            for h in hashes_
        ]
        return {"signatures": signatures}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--key", required=True)
    parser.add_argument("--certs", required=True, help="PEM: the signer's first, then its CAs")
    parser.add_argument("--credential", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--pin", required=True)
    args = parser.parse_args(argv)
    key = serialization.load_pem_private_key(Path(args.key).read_bytes(), None)
    certs = [
        c.public_bytes(serialization.Encoding.DER)
        for c in x509.load_pem_x509_certificates(Path(args.certs).read_bytes())
    ]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.service = Service(
        key, certs, args.credential, args.token, args.pin, {}, threading.Lock()
    )
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


@dataclass(frozen=True)
class CscService:
    url: str
    host_entry: str  # for OUTBOUND_ALLOWED_HOSTS
    credential: str
    token: str
    pin: str


@contextlib.contextmanager
def csc_service(
    key_pem: bytes, certs_pem: bytes, directory: Path, *, credential="cred-hoa", pin="123456"
) -> Iterator[CscService]:
    """The server as a subprocess, stopped on leaving."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "csc.key.pem").write_bytes(key_pem)
    (directory / "csc.certs.pem").write_bytes(certs_pem)
    token = secrets.token_urlsafe(16)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "eiso.testing.csc_server",
            "--key",
            str(directory / "csc.key.pem"),
            "--certs",
            str(directory / "csc.certs.pem"),
            "--credential",
            credential,
            "--token",
            token,
            "--pin",
            pin,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"CSC test server did not start: {line!r}")
        port = int(line.split()[1])
        yield CscService(f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", credential, token, pin)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


if __name__ == "__main__":
    main()
