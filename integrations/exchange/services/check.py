"""The console's "Kiểm tra kết nối": the settings typed in the form (not saved; an empty secret
means the stored one) tried against the platform through the guarded client, one verdict.

What is tried is what sending needs: a new access token from the token URL, then one read the
sweep already makes every two minutes (`GET <url>/statuses?to=<an agency's identifier>` with a
cursor past the end, so nothing comes back and nothing moves). Nothing is sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import get_public_schema_name, schema_context

from integrations.exchange import connector
from integrations.exchange.province.models import PlatformConnection
from integrations.exchange.services.connection import MSG_FORBIDDEN, Connection
from integrations.services.keys import secret_cipher
from iso_platform import audit, outbound
from tenants.models import Agency

MSG_OK = gettext_noop(
    "Kết nối tốt: nền tảng đã cấp mã truy cập và trả lời yêu cầu thử trong %(ms)s ms."
)
MSG_OK_TOKEN_ONLY = gettext_noop(
    "Nền tảng đã cấp mã truy cập trong %(ms)s ms. Chưa cơ quan nào có mã định danh điện tử nên "
    "chưa thử được yêu cầu đọc trạng thái."
)
MSG_INCOMPLETE = gettext_noop(
    "Cần nhập địa chỉ nền tảng, địa chỉ cấp mã truy cập, mã ứng dụng và khoá bí mật để kiểm tra."
)
MSG_REFUSED = gettext_noop("Bộ lọc kết nối ra ngoài từ chối %(address)s: %(reason)s")
MSG_FAILED = gettext_noop("Kiểm tra không thành công: %(reason)s")

OK, INCOMPLETE, REFUSED, FAILED = "ok", "incomplete", "refused", "failed"


@dataclass(frozen=True)
class Verdict:
    outcome: str  # OK, INCOMPLETE, REFUSED or FAILED
    message: str
    milliseconds: int | None = None
    http_status: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == OK


def _stored_secret() -> str:
    with schema_context(get_public_schema_name()):
        stored = bytes(PlatformConnection.load().client_secret_encrypted)
    try:
        return secret_cipher().decrypt(stored).decode() if stored else ""
    except InvalidToken:  # INTEGRATION_KEYS_SECRET changed: the secret must be typed again
        return ""


def _identifier() -> str:
    agencies = Agency.objects.agencies().exclude(identifier="").order_by("identifier")
    return agencies.values_list("identifier", flat=True).first() or ""


def _refusal(target: Connection) -> Verdict | None:
    for address in (target.token_url, target.url):
        try:
            outbound.url_check(address)
        except outbound.OutboundRefused as exc:
            message = _(MSG_REFUSED) % {"address": address, "reason": exc.message}
            return Verdict(REFUSED, message)
    return None


def _try(target: Connection) -> Verdict:
    refused = _refusal(target)
    if refused is not None:
        return refused
    identifier, started = _identifier(), time.monotonic()
    try:
        if identifier:
            connector.connection_probe(target, identifier)
        else:
            connector.token_request(target)
    except connector.PlatformError as exc:
        return Verdict(FAILED, _(MSG_FAILED) % {"reason": exc}, http_status=exc.status)
    ms = round((time.monotonic() - started) * 1000)
    return Verdict(OK, _(MSG_OK if identifier else MSG_OK_TOKEN_ONLY) % {"ms": ms}, ms)


def connection_check(
    *,
    actor,
    url: str,
    token_url: str,
    client_id: str,
    client_secret: str = "",
    scope: str = "",
    request=None,
    **_unused,
) -> Verdict:
    """The verdict on the settings given; each check is in the platform log."""
    if not getattr(actor, "is_province_admin", False):
        raise PermissionDenied(_(MSG_FORBIDDEN))
    target = Connection(
        url=(url or "").strip().rstrip("/"),
        token_url=(token_url or "").strip(),
        client_id=(client_id or "").strip(),
        client_secret=client_secret or _stored_secret(),
        scope=" ".join((scope or "").split()),
    )
    if not (target.url and target.token_url and target.client_id and target.client_secret):
        verdict = Verdict(INCOMPLETE, _(MSG_INCOMPLETE))
    else:
        verdict = _try(target)
    with schema_context(get_public_schema_name()):
        audit.here_record(
            action="exchange_connection_check",
            actor=actor,
            subject_type="exchange_connection",
            subject_id=1,
            subject_label=target.url or "—",
            changes={
                "url": target.url,
                "token_url": target.token_url,
                "client_id": target.client_id,
                "outcome": verdict.outcome,
                "http_status": verdict.http_status,
                "milliseconds": verdict.milliseconds,
                "message": verdict.message[:500],
            },
            request=request,
        )
    return verdict
