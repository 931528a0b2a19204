"""A real HTTP server on loopback for tests of outbound requests (connectors, later
webhooks and identity providers): the handler class says how it answers."""

from __future__ import annotations

import contextlib
import threading
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
