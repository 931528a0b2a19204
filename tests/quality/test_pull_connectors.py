"""Pull connectors: the feed address is the agency's choice, so it is held to the outbound
policy when saved and when run; a run from the page is a queued task with its progress."""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tenants.utils import schema_context

from eiso.testing.procedures import event, make_procedure
from eiso.testing.receiver import http_server
from integrations.models import InboxEvent, PullConnector
from integrations.services.pull import connector_pull, connector_save
from iso_platform.outbound import MSG_FAILED

RECEIVED = dict(procedure_code="1.000001")
INTERNAL_ANSWER = {
    "events": [event("leak-1", "received", "2026-03-09 09:15", app="SECRET", **RECEIVED)],
    "next": "x",
}


class Feed(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's API
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        status, payload = self.server.answer(self)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def feed(answer=lambda handler: (200, json.dumps(INTERNAL_ANSWER).encode())):
    return http_server(Feed, seen=[], answer=answer)


@pytest.fixture
def secretary(world, client_for):
    return client_for(world.agency_a, world.owner_a)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://localhost/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/feed",
        "http://2130706433/",
    ],
)
def test_saving_an_internal_address_is_a_form_error_and_saves_nothing(
    world, secretary, settings, url
):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    response = secretary.post("/integrations/connectors/", {"name": "Nội bộ", "url": url})
    assert response.status_code == 400
    errors = response.context["connector_form"].errors
    assert errors.get("url"), errors  # Django's URL check or the outbound policy
    with schema_context("ag_alpha"):
        assert not PullConnector.objects.exists()


def test_an_internal_service_answering_like_a_feed_is_never_read(world, eager, settings):
    """The probe: a connector saved while the address was allowed, run after it no longer is."""
    with feed() as inside:
        settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{inside.server_port}"]
        with schema_context("ag_alpha"):
            make_procedure(world.owner_a)
            connector = connector_save(
                actor=world.owner_a,
                name="Nội bộ",
                url=f"http://127.0.0.1:{inside.server_port}/",
                authorization="Bearer secret-token",
            )
            settings.OUTBOUND_ALLOWED_HOSTS = []
            settings.OUTBOUND_ALLOWED_PORTS = (inside.server_port,)  # the address alone refuses
            assert connector_pull(connector=connector) == 0
            connector.refresh_from_db()
            assert "nội bộ" in connector.last_error and connector.run_status == "failed"
            assert not InboxEvent.objects.exists()
    assert inside.seen == []


def _answer_with(status: int, body: bytes):
    return lambda handler: (status, body)


class Babbler(socketserver.BaseRequestHandler):
    def handle(self):
        with contextlib.suppress(OSError):
            self.request.recv(1024)
            self.request.sendall(b"-ERR unknown command\r\n")


def test_a_failed_run_says_the_same_for_a_closed_port_and_an_open_one(world, eager, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    babbler = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Babbler)
    threading.Thread(target=babbler.serve_forever, daemon=True).start()
    errors = []
    try:
        with (
            feed(_answer_with(404, b"<h1>Not found</h1>")) as missing,
            feed(_answer_with(200, b"<html>admin</html>")) as html,
            feed(_answer_with(200, b'["not", "an", "object"]')) as wrong_shape,
        ):
            ports = [closed, babbler.server_address[1]]
            ports += [s.server_port for s in (missing, html, wrong_shape)]
            settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{port}" for port in ports]
            with schema_context("ag_alpha"):
                for port in ports:
                    connector = connector_save(
                        actor=world.owner_a, name=f"Cổng {port}", url=f"http://127.0.0.1:{port}/"
                    )
                    connector_pull(connector=connector)
                    connector.refresh_from_db()
                    errors.append(connector.last_error)
    finally:
        babbler.shutdown()
        babbler.server_close()
    assert set(errors) == {MSG_FAILED}, errors


def test_the_authorization_header_goes_to_the_configured_host_only(world, eager, settings):
    with feed() as elsewhere:

        def redirect(handler):
            handler.send_response(307)
            handler.send_header("Location", f"http://127.0.0.1:{elsewhere.server_port}/")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return None

        class Redirecting(Feed):
            def do_GET(self):  # noqa: N802 - http.server's API
                self.server.seen.append((self.path, self.headers.get("Authorization")))
                redirect(self)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
        server.seen = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            settings.OUTBOUND_ALLOWED_HOSTS = [
                f"127.0.0.1:{port}" for port in (server.server_port, elsewhere.server_port)
            ]
            with schema_context("ag_alpha"):
                connector = connector_save(
                    actor=world.owner_a,
                    name="Chuyển hướng",
                    url=f"http://127.0.0.1:{server.server_port}/feed",
                    authorization="Bearer feed-token",
                )
                assert connector_pull(connector=connector) == 0
                connector.refresh_from_db()
                assert connector.last_error == MSG_FAILED
        finally:
            server.shutdown()
            server.server_close()
    assert server.seen == [("/feed", "Bearer feed-token")]
    assert elsewhere.seen == []


def test_run_from_the_page_is_queued_and_its_progress_shown(
    world, secretary, eager, settings, django_capture_on_commit_callbacks
):
    pages = {
        "": {"events": [event("p1", "received", "2026-03-09 09:15", app="P", **RECEIVED)]},
        "c1": {"events": [event("p2", "completed", "2026-03-10 09:15", app="P")]},
    }
    pages[""]["next"], pages["c1"]["next"] = "c1", "c1"

    def answer(handler):
        return 200, json.dumps(pages[handler.path.partition("since=")[2]]).encode()

    with feed(answer) as server:
        settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{server.server_port}"]
        with schema_context("ag_alpha"):
            make_procedure(world.owner_a)
            connector = connector_save(
                actor=world.owner_a, name="Cổng DVC", url=f"http://127.0.0.1:{server.server_port}/"
            )
        with django_capture_on_commit_callbacks() as queued:
            response = secretary.post(
                f"/integrations/connectors/{connector.pk}/", {"action": "run"}
            )
        assert response.status_code == 302
        assert response["Location"] == f"/integrations/connectors/{connector.pk}/run/"
        assert server.seen == []  # nothing fetched inside the web request
        waiting = secretary.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
        assert "Đang chờ chạy" in waiting and 'hx-trigger="load delay:1s"' in waiting
        again = secretary.post(f"/integrations/connectors/{connector.pk}/", {"action": "run"})
        assert "đang được kéo dữ liệu" in secretary.get(again["Location"]).content.decode()
        assert len(queued) == 1
        for callback in queued:
            callback()  # the task, eager: as a worker would run it after the commit
    assert [path for path, _auth in server.seen] == ["/", "/?since=c1"]
    done = secretary.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done
    assert "Đã nhận 2 sự kiện mới." in done and "2 trang" in done
    with schema_context("ag_alpha"):
        connector.refresh_from_db()
        assert (connector.run_status, connector.cursor, connector.last_count) == (
            "succeeded",
            "c1",
            2,
        )
