"""Who may read `/api/province/v1/`: a data key (nothing else: no session, no personal or
agency token), each view naming the scope it needs; requests counted per key."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions

from insights.data_api.services import data_key_find
from insights.models import DataKey
from iso_platform.api import SettingRateThrottle

MSG_KEY = _("Khoá API dữ liệu không hợp lệ hoặc đã bị thu hồi.")
MSG_SCOPE = _("Khoá này không có phạm vi %(scope)s.")


class DataKeyUser:
    """What `request.user` is for a key: authenticated, nobody's account."""

    is_authenticated = True
    is_active = True
    pk = None

    def __init__(self, key: DataKey):
        self.key = key

    def __str__(self):
        return f"data key {self.key.prefix}"


class DataKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer" or len(header) != 2:
            return None
        key = data_key_find(header[1].decode(errors="replace"))
        if key is None:
            raise exceptions.AuthenticationFailed(MSG_KEY)
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=1):
            DataKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return DataKeyUser(key), key

    def authenticate_header(self, request):
        return self.keyword


class HasScope(permissions.BasePermission):
    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, DataKey):
            return False
        if view.scope_required not in key.scopes:
            self.message = MSG_SCOPE % {"scope": view.scope_required}
            return False
        return True


class DataKeyThrottle(SettingRateThrottle):
    """`PROVINCE_DATA_API_RATE` per key."""

    scope = "province_data"
    rate_setting = "PROVINCE_DATA_API_RATE"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, DataKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
