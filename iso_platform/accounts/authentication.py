"""`Authorization: Bearer eiso_...` for the REST API.

Tokens live in the schema of the host they are used on, so a token made on
agency A's subdomain authenticates nobody on agency B's.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from iso_platform.accounts.models import ApiToken

LAST_USED_PRECISION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Tiêu đề Authorization không đúng dạng."))
        raw = header[1].decode(errors="replace")
        token = (
            ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(raw)).first()
        )
        if token is None or not token.is_usable() or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("Khoá API không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            # at most one write a minute per token: a read must not commit a row every time
            # (bench/load.py: every API read paid for an UPDATE and its commit)
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
