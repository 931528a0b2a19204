"""Requests to the province's integration platform, every one through the guarded outbound
client (iso_platform/outbound.py) and signed (wire.py).

The platform's interface as eISO speaks it (the simulator serves the same):

- `POST <url>/packages` an edXML package (application/xml) -> 2xx once the platform holds it;
- `GET <url>/statuses?to=<identifier>&after=<cursor>` -> `{"messages": [{"seq": n, "xml":
  "<edXML…status…>"}], "next": n}`: status messages for packages this agency sent.

A province whose platform has another interface gets its adapter here; nothing else changes.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

from integrations.exchange import wire
from integrations.exchange.services.connection import Connection
from iso_platform import outbound

ANSWER_LIMIT = 4 * 1024 * 1024


class PlatformError(Exception):
    """The platform could not be reached or refused: `str()` may be shown, `detail` is for logs."""

    def __init__(self, message: str, detail: str = "", status: int | None = None):
        super().__init__(message)
        self.detail, self.status = detail, status


def _signed(connection: Connection, method: str, url: str, body: bytes) -> dict:
    path = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
    return wire.headers(
        connection.system_id, connection.secret, method=method, path=path, body=body
    )


def package_post(connection: Connection, body: bytes) -> int:
    url = f"{connection.url}/packages"
    headers = {**_signed(connection, "POST", url, body), "Content-Type": "application/xml"}
    try:
        answer = outbound.fetch(url, method="POST", headers=headers, body=body, max_bytes=65536)
    except outbound.OutboundError as exc:
        raise PlatformError(exc.message, exc.detail) from None
    if not 200 <= answer.status < 300:
        excerpt = answer.body[:300].decode("utf-8", "replace")
        raise PlatformError(f"HTTP {answer.status}: {excerpt}", status=answer.status)
    return answer.status


def statuses_fetch(connection: Connection, identifier: str, after: int) -> tuple[list[bytes], int]:
    url = f"{connection.url}/statuses?to={quote(identifier)}&after={after}"
    try:
        answer = outbound.fetch(
            url, method="GET", headers=_signed(connection, "GET", url, b""), max_bytes=ANSWER_LIMIT
        )
    except outbound.OutboundError as exc:
        raise PlatformError(exc.message, exc.detail) from None
    if answer.status != 200:
        raise PlatformError(f"HTTP {answer.status}", status=answer.status)
    try:
        payload = json.loads(answer.body)
        messages = [str(m["xml"]).encode() for m in payload["messages"]]
        return messages, int(payload.get("next", after))
    except (ValueError, KeyError, TypeError) as exc:
        raise PlatformError("phản hồi không đúng định dạng", detail=str(exc)) from None
