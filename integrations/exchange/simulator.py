"""The province's integration platform, simulated, for the demo and the tests.

Two halves:

- `PlatformServer` (run as `python -m integrations.exchange.simulator --port N
  --client-id ID --secret-file F [--token-lifetime S]`): a real HTTP server on 127.0.0.1.
  `POST /token` issues opaque OAuth2 access tokens (grant type client_credentials, the
  client authenticated with HTTP Basic, RFC 6749 sections 4.4 and 2.3.1) that live
  `--token-lifetime` seconds; every other endpoint wants `Authorization: Bearer` with a live
  token (401 otherwise). `POST /packages` takes packages and answers, for each recipient,
  the status messages a receiving document-management system would send (received,
  accepted, assigned, processed), served to the sender by `GET /statuses?to=&after=`.
  `GET /received` lists what it took (each package with the number of the token it came
  with), how many tokens it issued and how many requests it refused, for tests. Plain
  Python (no Django): it is another system. Tokens live in memory: a restarted platform
  has forgotten them, as a real one that revoked them.
- `legal_text_package` (used by `manage.py simulate_province_platform` in a Django process):
  a legal text from the provincial People's Committee, its PDF laid out as an official
  decision and signed with iso_platform.signing using a demo key (`demo_signer`), packaged
  in edXML for an agency.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import hmac
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

from integrations.exchange import edxml

BODY_LIMIT = 64 * 1024 * 1024
FORM_LIMIT = 8192
DEFAULT_TOKEN_LIFETIME = 3600
# What the simulated receiving system reports, in order, for each package it takes.
REPLIES = (
    ("01", "Đã đến phần mềm quản lý văn bản của nơi nhận"),
    ("03", "Văn thư đã tiếp nhận, vào sổ văn bản đến"),
    ("04", "Lãnh đạo đã phân công xử lý"),
    ("06", "Đã xử lý xong"),
)


class PlatformState:
    def __init__(self, client_id: str, secret: str, token_lifetime: int = DEFAULT_TOKEN_LIFETIME):
        self.client_id, self.secret, self.token_lifetime = client_id, secret, token_lifetime
        self.lock = threading.Lock()
        self.tokens: dict[str, tuple[int, float]] = {}  # token -> (its number, expiry)
        self.refused = 0
        self.received: list[dict] = []
        self.statuses: list[dict] = []  # {"seq", "to", "xml"}

    def client_valid(self, client_id: str, secret: str) -> bool:
        return hmac.compare_digest(client_id.encode(), self.client_id.encode()) and (
            hmac.compare_digest(secret.encode(), self.secret.encode())
        )

    def token_issue(self) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = (len(self.tokens) + 1, time.monotonic() + self.token_lifetime)
        return token

    def token_number(self, token: str) -> int | None:
        """The token's number while it lives, else None (and the refusal is counted)."""
        with self.lock:
            number, expiry = self.tokens.get(token, (None, 0.0))
            if number is None or expiry <= time.monotonic():
                self.refused += 1
                return None
            return number

    def take(self, package: edxml.Package, token: int) -> None:
        with self.lock:
            self.received.append(
                {
                    "document_id": package.document_id,
                    "from": package.sender.identifier,
                    "to": [r.identifier for r in package.recipients],
                    "symbol": package.symbol,
                    "subject": package.subject,
                    "attachments": [a.name for a in package.attachments],
                    "token": token,
                }
            )
            for recipient in package.recipients:
                for code, text in REPLIES:
                    status = edxml.StatusMessage(
                        document_id=package.document_id,
                        original_sender=package.sender.identifier,
                        code=package.symbol,
                        sender=recipient,
                        status_code=code,
                        description=text,
                    )
                    self.statuses.append(
                        {
                            "seq": len(self.statuses) + 1,
                            "to": package.sender.identifier,
                            "xml": edxml.write_status(status).decode(),
                        }
                    )


def basic_credentials(header: str) -> tuple[str, str] | None:
    """RFC 6749 section 2.3.1: Basic, each part form-encoded before Base64."""
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        pair = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = pair.partition(":")
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else None


class Handler(BaseHTTPRequestHandler):
    state: PlatformState

    def log_message(self, format, *args):  # quiet: the tests read answers, not logs
        return

    def _answer(self, code: int, payload: dict, headers: dict | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _bearer(self) -> int | None:
        """The number of the live token the request carries, else None."""
        scheme, _sep, token = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            with self.state.lock:
                self.state.refused += 1
            return None
        return self.state.token_number(token.strip())

    def _unauthorised(self) -> None:
        challenge = 'Bearer realm="lgsp", error="invalid_token"'
        self._answer(401, {"error": "invalid_token"}, {"WWW-Authenticate": challenge})

    def _token(self, length: int) -> None:
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        client = basic_credentials(self.headers.get("Authorization", ""))
        if client is None or not self.state.client_valid(*client):
            challenge = {"WWW-Authenticate": 'Basic realm="lgsp"'}
            return self._answer(401, {"error": "invalid_client"}, challenge)
        if (form.get("grant_type") or [""])[0] != "client_credentials":
            return self._answer(400, {"error": "unsupported_grant_type"})
        answer = {
            "access_token": self.state.token_issue(),
            "token_type": "Bearer",
            "expires_in": self.state.token_lifetime,
        }
        if form.get("scope"):
            answer["scope"] = form["scope"][0]
        return self._answer(200, answer, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        path = urlsplit(self.path).path
        if path == "/token" and length <= FORM_LIMIT:
            return self._token(length)
        if path != "/packages" or length > BODY_LIMIT:
            return self._answer(404, {"error": "not found"})
        body = self.rfile.read(length)
        token = self._bearer()
        if token is None:
            return self._unauthorised()
        try:
            message = edxml.read(body)
        except edxml.PackageError as exc:
            return self._answer(400, {"error": exc.code, "params": exc.params})
        if not isinstance(message, edxml.Package):
            return self._answer(400, {"error": "not a package"})
        self.state.take(message, token)
        return self._answer(200, {"accepted": message.document_id})

    def do_GET(self):
        parts = urlsplit(self.path)
        if self._bearer() is None:
            return self._unauthorised()
        query = parse_qs(parts.query)
        if parts.path == "/received":
            with self.state.lock:
                report = {
                    "packages": list(self.state.received),
                    "tokens": len(self.state.tokens),
                    "refused": self.state.refused,
                }
            return self._answer(200, report)
        if parts.path != "/statuses":
            return self._answer(404, {"error": "not found"})
        to = (query.get("to") or [""])[0]
        after = int((query.get("after") or ["0"])[0] or 0)
        with self.state.lock:
            waiting = [s for s in self.state.statuses if s["to"] == to and s["seq"] > after]
        last = max([s["seq"] for s in waiting], default=after)
        messages = [{"seq": s["seq"], "xml": s["xml"]} for s in waiting]
        return self._answer(200, {"messages": messages, "next": last})


def serve(
    port: int, client_id: str, secret: str, token_lifetime: int = DEFAULT_TOKEN_LIFETIME
) -> ThreadingHTTPServer:
    state = PlatformState(client_id, secret, token_lifetime)
    handler = type("BoundHandler", (Handler,), {"state": state})
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Simulated province integration platform")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True, help="eISO's OAuth2 client id")
    parser.add_argument("--secret-file", required=True, help="a file holding its secret")
    parser.add_argument(
        "--token-lifetime",
        type=int,
        default=DEFAULT_TOKEN_LIFETIME,
        help="seconds an access token lives (expires_in)",
    )
    args = parser.parse_args(argv)
    secret = Path(args.secret_file).read_text().strip()
    server = serve(args.port, args.client_id, secret, args.token_lifetime)
    try:
        server.serve_forever()
    finally:
        server.server_close()


# --------------------------------------------------------------------------- legal texts


def demo_certificates(directory: Path):
    """A demo CA and a signer (the provincial chairman), made once into `directory`:
    (root certificate, signer certificate, signer key) as `cryptography` objects."""
    # Imported here: the server half runs as a bare process and needs none of this.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / n for n in ("root.pem", "signer.pem", "signer-key.pem")]
    if all(p.exists() for p in paths):
        root = x509.load_pem_x509_certificate(paths[0].read_bytes())
        cert = x509.load_pem_x509_certificate(paths[1].read_bytes())
        key = serialization.load_pem_private_key(paths[2].read_bytes(), None)
        return root, cert, key

    def name(cn: str, title: str = ""):
        parts = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
        if title:
            parts.append(x509.NameAttribute(NameOID.TITLE, title))
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND tỉnh (bản trình diễn)"))
        return x509.Name(parts)

    now = dt.datetime.now(dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = name("CA thử nghiệm eISO (chỉ để trình diễn)")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("Nguyễn Văn Tỉnh", "Chủ tịch"))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    paths[0].write_bytes(root.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return root, cert, key


def demo_signer(directory: Path):
    """A pyHanko signer holding the demo key, and the demo root to trust."""
    # Imported here: iso_platform needs Django's settings, the server half has none.
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from iso_platform.signing import pkcs12_signer  # needs Django, as said above

    root, cert, key = demo_certificates(directory)
    password = "eiso-demo"  # noqa: S105 - a throwaway demo key, never a real one
    data = pkcs12.serialize_key_and_certificates(
        b"demo", key, cert, [root], BestAvailableEncryption(password.encode())
    )
    return pkcs12_signer(data, password), root


def legal_text_pdf(*, signer, number: str, subject: str, on: dt.date) -> bytes:
    """A provincial decision laid out as the decree asks, signed with `signer`."""
    # Imported here: iso_platform needs Django's settings, the server half has none.
    from iso_platform.official import (
        Article,
        Centered,
        Issuer,
        OfficialDocument,
        Signer,
        render_pdf_layout,
    )
    from iso_platform.signing import SignStep, sign_pdf

    document = OfficialDocument(
        issuer=Issuer(agency="ỦY BAN NHÂN DÂN TỈNH", abbreviation="UBND", place="An Giang"),
        kind="QĐ",
        subject=subject,
        body=[
            Centered("QUYẾT ĐỊNH:"),
            Article(
                "Điều 1.", f"Ban hành kèm theo Quyết định này {subject[0].lower()}{subject[1:]}."
            ),
            Article("Điều 2.", "Quyết định này có hiệu lực kể từ ngày ký."),
        ],
        recipients=["Các sở, ban, ngành tỉnh"],
        signer=Signer(position="Chủ tịch", name="Nguyễn Văn Tỉnh", authority="TM. ỦY BAN NHÂN DÂN"),
        number=number,
        issued_on=on,
    )
    layout = render_pdf_layout(document)
    step = SignStep(signer, "NguoiKy", layout.signature, reason="Ban hành văn bản")
    return sign_pdf(layout.content, [step]).content


def legal_text_package(
    *,
    signer,
    recipient: edxml.Party,
    sequence: int,
    on: dt.date,
    subject: str,
    replaces: list[str] | None = None,
) -> edxml.Package:
    notation = f"{on.year}/QĐ-UBND"
    pdf = legal_text_pdf(signer=signer, number=f"{sequence}/{notation}", subject=subject, on=on)
    return edxml.Package(
        sender=edxml.Party("000.00.00.H01", "Ủy ban nhân dân tỉnh An Giang"),
        recipients=[recipient],
        number=str(sequence),
        notation=notation,
        promulgated_on=on,
        place="An Giang",
        subject=subject,
        type_name="Quyết định",
        signer_name="Nguyễn Văn Tỉnh",
        signer_position="Chủ tịch",
        signer_competence="TM. Ủy ban nhân dân",
        business_type=edxml.REPLACE if replaces else edxml.NEW,
        replaces=list(replaces or []),
        attachments=[edxml.Attachment(f"qd-{sequence}-{on.year}.pdf", "application/pdf", pdf)],
    )


if __name__ == "__main__":
    main()
