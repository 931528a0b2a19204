"""A real HTTP server on loopback for tests of outbound requests (connectors, later
webhooks and identity providers): the handler class says how it answers."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextlib.contextmanager
def http_server(handler: type[BaseHTTPRequestHandler], **state) -> Iterator[ThreadingHTTPServer]:
    """Serve on 127.0.0.1, a free port, in a thread; `state` becomes attributes of the
    server (handlers read them as `self.server.<name>`). Shut down on leaving."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    for name, value in state.items():
        setattr(server, name, value)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class WebhookHandler(BaseHTTPRequestHandler):
    """Records every POST (`server.received`: dicts of path, headers, body) and answers with
    the next of `server.answers` (status, seconds to wait first), then 204 when they run out."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - http.server's API
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with self.server.lock:
            self.server.received.append(
                {"path": self.path, "headers": dict(self.headers.items()), "body": body}
            )
            status, wait = self.server.answers.pop(0) if self.server.answers else (204, 0)
        if wait:
            time.sleep(wait)
        payload = b"" if status == 204 else b"ok"
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (a timeout test)
            pass

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def webhook_receiver(answers=()) -> Iterator[ThreadingHTTPServer]:
    """A subscriber on loopback; `server.url` is its address."""
    with http_server(
        WebhookHandler, received=[], answers=list(answers), lock=threading.Lock()
    ) as server:
        server.url = f"http://127.0.0.1:{server.server_port}/hooks"
        yield server
