"""Requests to the province's integration platform, every one through the guarded outbound
client (iso_platform/outbound.py), authorised with an OAuth2 access token.

The platform's interface as eISO speaks it (the simulator serves the same):

- `POST <token_url>` `grant_type=client_credentials[&scope=…]`, the client authenticated
  with HTTP Basic (RFC 6749 sections 4.4 and 2.3.1) -> `{"access_token", "token_type":
  "Bearer", "expires_in"}`; the token is cached (Redis, per connection) until shortly before
  it expires, and sent as `Authorization: Bearer` (RFC 6750);
- `POST <url>/packages` an edXML package (application/xml) -> 2xx once the platform holds it;
- `GET <url>/statuses?to=<identifier>&after=<cursor>` -> `{"messages": [{"seq": n, "xml":
  "<edXML…status…>"}], "next": n}`: status messages for packages this agency sent.

A 401 from the platform (a token it revoked or forgot, a clock that disagrees) drops the
cached token and tries once more with a new one. A province whose platform has another
interface gets its adapter here; nothing else changes.

Authlib is not used here, although its requests session can send through the guarded
client (integrations/sso/client.py): its HTTP Basic helper joins client id and secret
without the form-encoding of RFC 6749 section 2.3.1 (a secret holding `+` or `%` reaches
a server that follows the RFC changed, and one outside Latin-1 cannot be sent), and the parts
this connection needs beyond the one POST (a token shared by every worker through Redis, the
401 retry, Vietnamese messages per error code) would be ours either way.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from urllib.parse import quote, quote_plus, urlencode

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import get_public_schema_name, schema_context

from integrations.exchange.services.connection import Connection
from iso_platform import outbound

logger = logging.getLogger(__name__)

ANSWER_LIMIT = 4 * 1024 * 1024
TOKEN_ANSWER_LIMIT = 65536
# A token without `expires_in` is kept this long; the 401 retry covers a shorter life.
TOKEN_DEFAULT_LIFETIME = 300
TOKEN_MARGIN_MAX = 60

MSG_TOKEN_UNREACHABLE = gettext_noop(
    "Không lấy được mã truy cập (token) từ nền tảng liên thông: %(reason)s"
)
MSG_TOKEN_REFUSED = gettext_noop(
    "Nền tảng liên thông từ chối cấp mã truy cập (%(error)s): %(meaning)s"
)
MSG_TOKEN_HTTP = gettext_noop(
    "Máy chủ cấp mã truy cập (token URL) trả lời HTTP %(status)s thay vì cấp mã truy cập."
)
MSG_TOKEN_MALFORMED = gettext_noop(
    "Phản hồi của máy chủ cấp mã truy cập không đúng chuẩn OAuth2 (cần JSON có access_token "
    "kiểu Bearer)."
)
MSG_TOKEN_NOT_ACCEPTED = gettext_noop(
    "Nền tảng liên thông không nhận mã truy cập vừa được cấp (HTTP 401)."
)
MSG_MALFORMED = gettext_noop("Phản hồi của nền tảng liên thông không đúng định dạng.")
# RFC 6749 section 5.2, what each error code means for the person who fixes it.
TOKEN_ERRORS = {
    "invalid_client": gettext_noop(
        "mã ứng dụng (client id) hoặc khoá bí mật không đúng; quản trị viên của tỉnh cần "
        "kiểm tra lại trong kết nối liên thông văn bản."
    ),
    "invalid_scope": gettext_noop("phạm vi (scope) đã cấu hình không hợp lệ."),
    "unauthorized_client": gettext_noop(
        "ứng dụng chưa được phép dùng cách cấp client credentials."
    ),
    "unsupported_grant_type": gettext_noop("nền tảng không hỗ trợ cách cấp client credentials."),
}
TOKEN_ERROR_OTHER = gettext_noop("yêu cầu cấp mã truy cập không hợp lệ.")


class PlatformError(Exception):
    """The platform could not be reached or refused: `str()` may be shown, `detail` is for logs."""

    def __init__(self, message: str, detail: str = "", status: int | None = None):
        super().__init__(message)
        self.detail, self.status = detail, status


class PackageRefused(PlatformError):
    """The platform answered and refused this package (a 4xx other than 401): the connection
    works, the package does not."""


# --------------------------------------------------------------------------- access token


def token_cache_key(connection: Connection) -> str:
    """Per connection: other credentials or another token URL never reuse a token."""
    parts = (connection.token_url, connection.client_id, connection.client_secret, connection.scope)
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f"exchange:platform-token:{digest}"


def _cache_call(method: str, *args):
    # One token for the province, whichever agency sends: the cache's keys carry the schema.
    with schema_context(get_public_schema_name()):
        return getattr(cache, method)(*args)


def access_token(connection: Connection) -> str:
    key = token_cache_key(connection)
    token = _cache_call("get", key)
    if token:
        return token
    token, lifetime = token_request(connection)
    keep = lifetime - min(TOKEN_MARGIN_MAX, max(1, lifetime // 10))
    if keep > 0:
        _cache_call("set", key, token, keep)
    return token


def token_forget(connection: Connection) -> None:
    _cache_call("delete", token_cache_key(connection))


def _basic(client_id: str, secret: str) -> str:
    # RFC 6749 section 2.3.1: each part form-encoded, then HTTP Basic.
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def token_request(connection: Connection) -> tuple[str, int]:
    """A new access token and its lifetime in seconds, or PlatformError."""
    form = {"grant_type": "client_credentials"}
    if connection.scope:
        form["scope"] = connection.scope
    headers = {
        "Authorization": _basic(connection.client_id, connection.client_secret),
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    try:
        answer = outbound.fetch(
            connection.token_url,
            method="POST",
            headers=headers,
            body=urlencode(form).encode(),
            max_bytes=TOKEN_ANSWER_LIMIT,
        )
    except outbound.OutboundError as exc:
        message = _(MSG_TOKEN_UNREACHABLE) % {"reason": exc.message}
        raise PlatformError(message, exc.detail) from None
    payload = _json_object(answer.body)
    if answer.status != 200:
        raise _token_refusal(answer.status, payload)
    token, lifetime = _token_of(payload)
    logger.info("exchange: new platform access token (expires in %s s)", lifetime)
    return token, lifetime


def _json_object(body: bytes) -> dict | None:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _token_refusal(status: int, payload: dict | None) -> PlatformError:
    # RFC 6749 section 5.2: an error answer is a 400 or a 401 with `error` in its JSON.
    error = str((payload or {}).get("error") or "")[:60] if status in (400, 401) else ""
    if not error:
        return PlatformError(_(MSG_TOKEN_HTTP) % {"status": status}, status=status)
    meaning = _(TOKEN_ERRORS.get(error, TOKEN_ERROR_OTHER))
    detail = str(payload.get("error_description") or "")[:300]
    message = _(MSG_TOKEN_REFUSED) % {"error": error, "meaning": meaning}
    return PlatformError(message, detail, status=status)


def _token_of(payload: dict | None) -> tuple[str, int]:
    payload = payload or {}
    token, kind = payload.get("access_token"), str(payload.get("token_type") or "")
    lifetime = payload.get("expires_in", TOKEN_DEFAULT_LIFETIME)
    valid_lifetime = isinstance(lifetime, int) and not isinstance(lifetime, bool) and lifetime >= 0
    if not (isinstance(token, str) and token and kind.lower() == "bearer" and valid_lifetime):
        raise PlatformError(_(MSG_TOKEN_MALFORMED), detail=f"keys: {sorted(payload)}")
    return token, lifetime


# --------------------------------------------------------------------------- requests


def _authorised(connection: Connection, url: str, *, method: str, **request) -> outbound.Response:
    """The request with the cached token; on a 401 once more with a new one."""
    for attempt in (1, 2):
        token = access_token(connection)
        headers = {**request.pop("headers", {}), "Authorization": f"Bearer {token}"}
        request["headers"] = headers
        try:
            answer = outbound.fetch(url, method=method, **request)
        except outbound.OutboundError as exc:
            raise PlatformError(exc.message, exc.detail) from None
        if answer.status != 401:
            return answer
        token_forget(connection)
        logger.info("exchange: the platform refused the access token (attempt %s)", attempt)
    raise PlatformError(_(MSG_TOKEN_NOT_ACCEPTED), status=401)


def package_post(connection: Connection, body: bytes) -> int:
    answer = _authorised(
        connection,
        f"{connection.url}/packages",
        method="POST",
        headers={"Content-Type": "application/xml"},
        body=body,
        max_bytes=65536,
    )
    if not 200 <= answer.status < 300:
        excerpt = answer.body[:300].decode("utf-8", "replace")
        refusal = PackageRefused if 400 <= answer.status < 500 else PlatformError
        raise refusal(f"HTTP {answer.status}: {excerpt}", status=answer.status)
    return answer.status


def statuses_fetch(connection: Connection, identifier: str, after: int) -> tuple[list[bytes], int]:
    url = f"{connection.url}/statuses?to={quote(identifier)}&after={after}"
    answer = _authorised(connection, url, method="GET", max_bytes=ANSWER_LIMIT)
    if answer.status != 200:
        raise PlatformError(f"HTTP {answer.status}", status=answer.status)
    try:
        payload = json.loads(answer.body)
        messages = [str(m["xml"]).encode() for m in payload["messages"]]
        return messages, int(payload.get("next", after))
    except (ValueError, KeyError, TypeError) as exc:
        raise PlatformError(_(MSG_MALFORMED), detail=str(exc)) from None


# --------------------------------------------------------------------------- checking

# Past any real stream of status messages: the platform answers an empty page, moves nothing.
PROBE_CURSOR = 2**62
MSG_PLATFORM_HTTP = gettext_noop("Nền tảng liên thông trả lời HTTP %(status)s.")
MSG_PLATFORM_DOWN = gettext_noop(
    "Nền tảng liên thông đang gặp sự cố (HTTP %(status)s); hãy báo đơn vị vận hành nền tảng."
)


def connection_probe(connection: Connection, identifier: str) -> None:
    """A new token (never the cached one: the credentials typed are what is checked), then the
    read the sweep makes every two minutes, with a cursor past the end; PlatformError if not."""
    token, _lifetime = token_request(connection)
    url = f"{connection.url}/statuses?to={quote(identifier)}&after={PROBE_CURSOR}"
    try:
        answer = outbound.fetch(
            url, headers={"Authorization": f"Bearer {token}"}, max_bytes=ANSWER_LIMIT
        )
    except outbound.OutboundError as exc:
        raise PlatformError(exc.message, exc.detail) from None
    if answer.status == 401:
        raise PlatformError(_(MSG_TOKEN_NOT_ACCEPTED), status=401)
    if answer.status >= 500:
        raise PlatformError(_(MSG_PLATFORM_DOWN) % {"status": answer.status}, status=answer.status)
    if answer.status != 200:
        raise PlatformError(_(MSG_PLATFORM_HTTP) % {"status": answer.status}, status=answer.status)
    payload = _json_object(answer.body)
    if payload is None or not isinstance(payload.get("messages"), list):
        raise PlatformError(_(MSG_MALFORMED), status=200)
