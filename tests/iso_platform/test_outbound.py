"""The guarded outbound HTTP client, against real servers started on 127.0.0.1.

127.0.0.1 is refused by the policy, so the tests that need an answer allow it the way an
operator would (OUTBOUND_ALLOWED_HOSTS); the refusals are proved without that setting.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from eiso.testing.receiver import http_server
from iso_platform import outbound
from iso_platform.outbound import OutboundError, OutboundRefused, fetch, is_public_address


class Recorder(BaseHTTPRequestHandler):
    """Answers with the server's `reply(handler)`; keeps every request's line and headers."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's API
        self.server.seen.append((self.path, dict(self.headers)))
        self.server.reply(self)

    def log_message(self, *args):
        pass


def json_reply(handler, payload=b'{"events": []}'):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def serving(reply=json_reply):
    return http_server(Recorder, seen=[], reply=reply)


def allow(settings, *servers):
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{s.server_port}" for s in servers]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------- the addresses


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space (carrier NAT)
        "0.0.0.0",  # noqa: S104 - an address refused, not one bound
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::7f00:1",  # IPv4-compatible
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "2001::1",  # Teredo
    ],
)
def test_addresses_that_are_not_public_are_refused(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"])
def test_public_addresses_are_allowed(address):
    assert is_public_address(address)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "127.1",
        "2130706433",  # 127.0.0.1 as one number
        "0x7f000001",
        "0177.0.0.1",
        "[::ffff:127.0.0.1]",
        "0.0.0.0",  # noqa: S104 - an address refused, not one bound
        "LOCALHOST",
    ],
)
def test_loopback_is_refused_in_every_spelling_without_the_operator_setting(settings, host):
    with serving() as server:
        settings.OUTBOUND_ALLOWED_HOSTS = []
        settings.OUTBOUND_ALLOWED_PORTS = (server.server_port,)  # the address alone refuses
        with pytest.raises(OutboundRefused) as refused:
            fetch(f"http://{host}:{server.server_port}/feed")
        assert refused.value.message == str(refused.value)
        assert "nội bộ" in str(refused.value)
    assert server.seen == []


def test_a_name_is_checked_after_resolution_and_every_address_counts(settings, monkeypatch):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    answers = {"feed.vendor.test": ["93.184.215.14", "10.0.0.7"]}
    # the resolver is the part outside the project: a name chosen by an attacker may say this
    monkeypatch.setattr(outbound, "_resolve", lambda host, port: answers[host])
    with pytest.raises(OutboundRefused):
        outbound.url_check("https://feed.vendor.test/events")
    answers["feed.vendor.test"] = ["93.184.215.14"]
    assert outbound.url_check("https://feed.vendor.test/events").addresses == ("93.184.215.14",)


def test_the_connection_goes_to_the_address_checked_with_the_name_kept(settings, monkeypatch):
    """Resolve once, connect to that address: a rebinding DNS gets no second question."""
    with serving() as server:
        settings.OUTBOUND_ALLOWED_HOSTS = [f"feed.vendor.test:{server.server_port}"]
        lookups = []

        def resolve(host, port):
            lookups.append(host)
            return ["127.0.0.1"] if len(lookups) == 1 else ["10.9.9.9"]

        monkeypatch.setattr(outbound, "_resolve", resolve)
        response = fetch(f"http://feed.vendor.test:{server.server_port}/feed?since=c1")
    assert response.status == 200 and lookups == ["feed.vendor.test"]
    path, headers = server.seen[0]
    assert path == "/feed?since=c1"
    assert headers["Host"] == f"feed.vendor.test:{server.server_port}"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://8.8.8.8/feed",
        "file:///etc/passwd",
        "gopher://8.8.8.8:70/",
        "http://user:secret@8.8.8.8/feed",
        "http:///feed",
        "8.8.8.8/feed",
        "http://8.8.8.8:99999/",
    ],
)
def test_only_http_and_https_without_credentials_are_accepted(url):
    with pytest.raises(OutboundRefused, match="http:// hoặc https://"):
        outbound.url_check(url)


@pytest.mark.parametrize("port", [6379, 22, 8000, 5432])
def test_ports_other_than_80_and_443_are_refused_unless_allowed(settings, port):
    settings.OUTBOUND_ALLOWED_PORTS = ()
    with pytest.raises(OutboundRefused, match=f"Cổng {port} không được phép"):
        outbound.url_check(f"http://8.8.8.8:{port}/")
    settings.OUTBOUND_ALLOWED_PORTS = (port,)
    assert outbound.url_check(f"http://8.8.8.8:{port}/").port == port


def test_the_operator_setting_allows_a_named_host_on_its_port_only(settings):
    with serving() as server, serving() as other:
        allow(settings, server)
        assert fetch(f"http://127.0.0.1:{server.server_port}/").status == 200
        with pytest.raises(OutboundRefused):
            fetch(f"http://127.0.0.1:{other.server_port}/")
        with pytest.raises(OutboundRefused):  # another name for the same address
            fetch(f"http://localhost:{server.server_port}/")
    assert len(server.seen) == 1 and other.seen == []


# ---------------------------------------------------------------------------- what comes back


def test_a_redirect_is_never_followed(settings):
    with serving() as inside:

        def redirect(handler):
            handler.send_response(302)
            handler.send_header("Location", f"http://localhost:{inside.server_port}/readyz")
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        with serving(redirect) as feed:
            allow(settings, feed, inside)  # even a target the operator allows
            settings.OUTBOUND_ALLOWED_HOSTS += [f"localhost:{inside.server_port}"]
            with pytest.raises(OutboundError) as failed:
                fetch(
                    f"http://127.0.0.1:{feed.server_port}/feed",
                    headers={"Authorization": "Bearer feed-token"},
                )
    assert "chuyển hướng" in str(failed.value) and "302" in failed.value.detail
    assert feed.seen[0][1]["Authorization"] == "Bearer feed-token"
    assert inside.seen == []  # neither the request nor its Authorization header went there


def sized(length: int, declare: bool):
    def reply(handler):
        handler.send_response(200)
        if declare:
            handler.send_header("Content-Length", str(length))
        else:
            handler.send_header("Connection", "close")
        handler.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(length // 1000):
                handler.wfile.write(b"x" * 1000)
        handler.close_connection = True

    return reply


@pytest.mark.parametrize("declare", [True, False], ids=["declared", "undeclared"])
def test_a_body_over_the_size_cap_is_refused(settings, declare):
    with serving(sized(200_000, declare)) as server:
        allow(settings, server)
        url = f"http://127.0.0.1:{server.server_port}/"
        assert len(fetch(url, max_bytes=200_000).body) == 200_000
        with pytest.raises(OutboundError) as failed:
            fetch(url, max_bytes=50_000)
    assert "50000" in failed.value.detail


def test_a_compressed_answer_is_refused_whatever_its_size(settings):
    def gzipped(handler):
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"xx")

    with serving(gzipped) as server:
        allow(settings, server)
        with pytest.raises(OutboundError, match="phản hồi không hợp lệ"):
            fetch(f"http://127.0.0.1:{server.server_port}/")
    assert server.seen[0][1]["Accept-Encoding"] == "identity"


def trickle(handler):
    """One byte every 0.1 s for a minute: each read is quick, the whole is not."""
    handler.send_response(200)
    handler.send_header("Content-Length", "600")
    handler.end_headers()
    with contextlib.suppress(OSError):
        for _ in range(600):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.1)


def silent(handler):
    with contextlib.suppress(OSError):
        time.sleep(30)


@pytest.mark.parametrize("reply", [trickle, silent], ids=["trickle", "silent"])
def test_the_whole_request_stops_at_the_time_cap(settings, reply):
    with serving(reply) as server:
        allow(settings, server)
        started = time.monotonic()
        with pytest.raises(OutboundError) as failed:
            fetch(f"http://127.0.0.1:{server.server_port}/", timeout=1)
        elapsed = time.monotonic() - started
    assert elapsed < 2.5, elapsed
    assert "deadline" in failed.value.detail or "timed out" in failed.value.detail


class Babbler(socketserver.BaseRequestHandler):
    """An open port that is not HTTP (say, Redis)."""

    def handle(self):
        with contextlib.suppress(OSError):
            self.request.recv(1024)
            self.request.sendall(b"-ERR unknown command 'GET'\r\n")


def test_the_message_is_the_same_for_a_closed_port_and_an_open_one(settings):
    babbler = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Babbler)
    threading.Thread(target=babbler.serve_forever, daemon=True).start()
    closed = closed_port()
    try:
        with serving(silent) as hanging:
            ports = [closed, babbler.server_address[1], hanging.server_port]
            settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{port}" for port in ports]
            messages, details = set(), set()
            for port in ports:
                with pytest.raises(OutboundError) as failed:
                    fetch(f"http://127.0.0.1:{port}/", timeout=1)
                messages.add(str(failed.value))
                details.add(failed.value.detail)
    finally:
        babbler.shutdown()
        babbler.server_close()
    assert messages == {outbound.MSG_FAILED}
    assert len(details) == 3  # the server log still tells them apart
