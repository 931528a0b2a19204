"""The one HTTP client for addresses that users or agencies configure.

Pull connectors use it today; webhooks and identity providers must use it too. Anything a
user can point eISO at is a way into the network eISO runs in (server-side request
forgery), so every request here:

- takes `http` or `https` only, no credentials in the URL, ports 80 and 443 only (plus
  `OUTBOUND_ALLOWED_PORTS`);
- resolves the host name ONCE, refuses it if any of its addresses is not a public one
  (loopback, private, link-local, multicast, unspecified, reserved, shared, or such an
  IPv4 address inside an IPv6 one), and connects to exactly the address it checked,
  keeping the name in `Host` and in TLS (SNI and certificate check): no second lookup a
  rebinding DNS server could answer differently;
- follows no redirect: a feed or a webhook has one fixed address, and a redirect would
  need every check again and would carry the `Authorization` header to another host;
- stops after `OUTBOUND_TIMEOUT_SECONDS` in all (a watchdog closes the socket, so a
  server sending one byte a second cannot hold it) and after `OUTBOUND_MAX_BYTES`;
- fails with one generic message whatever went wrong once the address was accepted
  (closed port, timeout, not HTTP, bad status, too big), so that the message cannot tell an
  open port from a closed one; the detail goes to the server log only.

The operator may allow named internal hosts (a province's integration gateway) with
`OUTBOUND_ALLOWED_HOSTS` (`host` or `host:port`); for them the address check is skipped,
everything else still applies.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform import env

DEFAULT_PORTS = (80, 443)
USER_AGENT = "eISO"

MSG_URL = gettext_noop(
    "Địa chỉ phải bắt đầu bằng http:// hoặc https://, có tên máy chủ và không chứa tên đăng "
    "nhập hay mật khẩu."
)
MSG_PORT = gettext_noop(
    "Cổng %(port)s không được phép: chỉ dùng cổng 80, 443 hoặc cổng được quản trị hệ thống "
    "cho phép."
)
MSG_DESTINATION = gettext_noop(
    "Không dùng được địa chỉ này: máy chủ không tồn tại, hoặc thuộc mạng nội bộ hay dải địa "
    "chỉ dành riêng. Nếu đây là cổng tích hợp nội bộ của tỉnh, hãy nhờ quản trị hệ thống cho "
    "phép máy chủ đó."
)
MSG_FAILED = gettext_noop(
    "Không lấy được dữ liệu từ địa chỉ đã cấu hình (không kết nối được, quá thời gian, bị "
    "chuyển hướng hoặc phản hồi không hợp lệ)."
)


class OutboundError(Exception):
    """A refused or failed request: `str()` may be shown to the user, `detail` is for logs."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message, self.detail = message, detail


class OutboundRefused(OutboundError):
    """Refused by the policy, before any connection was opened."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # normalised: lower case, no trailing dot, IPv6 without brackets
    port: int
    path: str  # path and query, as sent
    addresses: tuple[str, ...]  # checked; the connection goes to one of these and no other

    @property
    def host_header(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return (
            shown
            if self.port == (443 if self.scheme == "https" else 80)
            else f"{shown}:{self.port}"
        )


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


# ---------------------------------------------------------------------------- the policy


def is_public_address(address: str) -> bool:
    """Whether eISO may connect to this address without the operator naming its host."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv4 inside IPv6 (mapped, 6to4, NAT64 64:ff9b::/96) reaches the IPv4 address.
        embedded = [ip.ipv4_mapped, ip.sixtofour]
        if int(ip) >> 32 == 0x0064FF9B << 64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.teredo or any(v4 is not None and not is_public_address(str(v4)) for v4 in embedded):
            return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
        or getattr(ip, "is_site_local", False)
    )


def _operator_entries() -> set[tuple[str, int | None]]:
    entries = set()
    for raw in getattr(settings, "OUTBOUND_ALLOWED_HOSTS", ()):
        parsed = env.host_entry(raw)
        if parsed is not None:
            entries.add(parsed)
    return entries


def _normalise_host(host: str) -> str:
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host.lower().rstrip(".")


def _resolve(host: str, port: int) -> list[str]:
    """Every address of the host (the resolver is the only part outside the project)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0] for info in infos))


def url_check(url: str) -> Target:
    """The target of `url` if the policy allows it, else `OutboundRefused` with the reason."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise OutboundRefused(_(MSG_URL), f"unparsable url {url!r}") from None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise OutboundRefused(_(MSG_URL), f"bad scheme, host or credentials in {url!r}")
    host = _normalise_host(host)
    port = port or (443 if parts.scheme == "https" else 80)
    entries = _operator_entries()
    named = any(name == host for name, _port in entries)
    allowed_ports = {*DEFAULT_PORTS, *getattr(settings, "OUTBOUND_ALLOWED_PORTS", ())}
    if port not in allowed_ports and (host, port) not in entries:
        raise OutboundRefused(_(MSG_PORT) % {"port": port}, f"port {port} of {host}")
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise OutboundRefused(_(MSG_DESTINATION), f"{host} does not resolve: {exc}") from None
    if not addresses:
        raise OutboundRefused(_(MSG_DESTINATION), f"{host} has no address")
    if not named:
        refused = [a for a in addresses if not is_public_address(a)]
        if refused:
            raise OutboundRefused(_(MSG_DESTINATION), f"{host} resolves to {refused}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, tuple(addresses))


# ---------------------------------------------------------------------------- the connection


class _Watchdog:
    """Shuts the socket down at the deadline, whatever the server does meanwhile.

    Socket timeouts bound each read, not their sum: a server trickling one byte a second
    would never trip them. The lock keeps the watchdog from touching a descriptor that was
    already closed (and maybe reused by another socket).
    """

    def __init__(self, seconds: float):
        self.fired, self._fd = False, None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def arm(self, fd: int) -> None:
        with self._lock:
            if self.fired:
                raise TimeoutError("deadline reached while connecting")
            self._fd = fd

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._fd is not None:
                sock = socket.socket(fileno=self._fd)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                finally:
                    sock.detach()  # the connection still owns the descriptor

    def release(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._fd = None
            connection.close()

    def stop(self) -> None:
        self._timer.cancel()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address; the host name travels in the Host header only."""

    def __init__(self, address, port, *, timeout, watchdog):
        super().__init__(address, port, timeout=timeout)
        self._watchdog = watchdog

    def connect(self):
        super().connect()
        self._watchdog.arm(self.sock.fileno())


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same, with TLS checked against the host name (SNI and certificate)."""

    default_port = 443

    def __init__(self, address, port, *, timeout, watchdog, server_hostname):
        super().__init__(address, port, timeout=timeout, watchdog=watchdog)
        self._server_hostname = server_hostname
        self._context = ssl.create_default_context()

    def connect(self):
        super().connect()
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self._server_hostname)


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> Response:
    """One request under the policy; any answer but 3xx is returned (the caller judges)."""
    target = url_check(url)
    timeout = timeout if timeout is not None else settings.OUTBOUND_TIMEOUT_SECONDS
    limit = max_bytes if max_bytes is not None else settings.OUTBOUND_MAX_BYTES
    deadline = time.monotonic() + timeout
    watchdog = _Watchdog(timeout)
    try:
        return _exchange(target, method, headers or {}, body, deadline, limit, watchdog)
    except OutboundError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        why = "deadline reached" if watchdog.fired else f"{type(exc).__name__}: {exc}"
        raise OutboundError(_(MSG_FAILED), f"{target.host}:{target.port}: {why}") from None
    finally:
        watchdog.stop()


def _exchange(target, method, headers, body, deadline, limit, watchdog) -> Response:
    last_error: Exception = OSError("no address")
    for address in target.addresses:
        connection = _connection(target, address, max(0.001, deadline - time.monotonic()), watchdog)
        try:
            connection.connect()
        except OSError as exc:
            watchdog.release(connection)
            last_error = exc
            continue
        try:
            return _send(connection, target, method, headers, body, limit, watchdog)
        finally:
            watchdog.release(connection)
    raise last_error


def _connection(target, address, timeout, watchdog) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(
            address, target.port, timeout=timeout, watchdog=watchdog, server_hostname=target.host
        )
    return _PinnedHTTPConnection(address, target.port, timeout=timeout, watchdog=watchdog)


def _send(connection, target, method, headers, body, limit, watchdog) -> Response:
    sent = {
        **{k: v for k, v in headers.items() if k.lower() not in ("host", "accept-encoding")},
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        "Accept-Encoding": "identity",  # no compressed bomb behind a small Content-Length
        "Connection": "close",
    }
    connection.request(method, target.path, body=body, headers=sent)
    answer = connection.getresponse()
    if 300 <= answer.status < 400:
        raise OutboundError(
            _(MSG_FAILED), f"redirect {answer.status} to {answer.getheader('Location')!r} refused"
        )
    encoding = (answer.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise OutboundError(_(MSG_FAILED), f"Content-Encoding {encoding!r} refused")
    declared = answer.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise OutboundError(_(MSG_FAILED), f"Content-Length {declared} over {limit}")
    content = _read_capped(answer, limit)
    # http.client ends a body cut short without complaint: the watchdog or a length says so.
    if watchdog.fired:
        raise TimeoutError("deadline reached while reading")
    if declared and declared.isdigit() and len(content) != int(declared):
        raise http.client.IncompleteRead(content, int(declared) - len(content))
    return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, content)


def _read_capped(answer, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = answer.read(min(65536, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise OutboundError(_(MSG_FAILED), f"body over {limit} bytes")
