"""Session limits and the provincial administrators' second factor.

Both run after AuthenticationMiddleware and MessageMiddleware, and look at the session only:
a request with no session cookie costs nothing, a signed-in one no extra query. REST calls
with an API token (`Authorization: Bearer eiso_...`) carry no session and are not affected:
a token is a separate credential, made by its owner and revocable (docs/operations.md).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform.accounts import two_factor
from iso_platform.accounts.signals import SecurityAction, security_event_send

SIGNED_IN_AT_KEY = "eiso_signed_in_at"
SEEN_AT_KEY = "eiso_seen_at"
# Activity is written to the session at most this often: a page view must not save the
# session row every time (the idle limit is in minutes anyway).
TOUCH_EVERY_SECONDS = 60

MSG_IDLE = gettext_noop(
    "Phiên làm việc đã kết thúc vì không hoạt động quá %(minutes)d phút. Vui lòng đăng nhập lại."
)
MSG_EXPIRED = gettext_noop(
    "Phiên đăng nhập đã hết thời hạn tối đa (%(hours)s giờ). Vui lòng đăng nhập lại."
)
MSG_API_TWO_FACTOR = gettext_noop(
    "Quản trị viên cấp tỉnh cần xác thực hai bước trước khi dùng phiên đăng nhập này."
)


def session_stamp(session, now: int | None = None) -> None:
    """Called at every sign-in (the `user_logged_in` receiver in apps.py)."""
    now = int(time.time()) if now is None else now
    session[SIGNED_IN_AT_KEY] = now
    session[SEEN_AT_KEY] = now


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class SessionTimeoutMiddleware:
    """Sign out a session idle for SESSION_IDLE_MINUTES, or older than SESSION_COOKIE_AGE.

    Django's own expiry moves forward each time the session is saved, so on its own it is
    neither an idle limit nor an absolute one; both are counted here from the session's stamps.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY not in session:
            return self.get_response(request)
        now = int(time.time())
        signed_in_at, seen_at = session.get(SIGNED_IN_AT_KEY), session.get(SEEN_AT_KEY)
        if signed_in_at is None or seen_at is None:  # a session made before this check
            session_stamp(session, now)
        elif now - seen_at > settings.SESSION_IDLE_MINUTES * 60:
            return self._end(request, SecurityAction.SESSION_IDLE_TIMEOUT)
        elif now - signed_in_at > settings.SESSION_COOKIE_AGE:
            return self._end(request, SecurityAction.SESSION_EXPIRED)
        elif now - seen_at >= TOUCH_EVERY_SECONDS:
            session[SEEN_AT_KEY] = now
        return self.get_response(request)

    def _end(self, request, action):
        user = request.user
        logout(request)
        security_event_send(user=user, action=action, request=request)
        if _is_api(request):  # the API answers 401/403 itself; no redirect for a script
            return self.get_response(request)
        if action == SecurityAction.SESSION_IDLE_TIMEOUT:
            text = _(MSG_IDLE) % {"minutes": settings.SESSION_IDLE_MINUTES}
        else:
            text = _(MSG_EXPIRED) % {"hours": f"{settings.SESSION_COOKIE_AGE / 3600:g}"}
        messages.warning(request, text)
        if request.headers.get("HX-Request"):  # htmx polling: reload the whole page
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse(settings.LOGIN_URL)
            return response
        return redirect_to_login(request.get_full_path())


class TwoFactorRequiredMiddleware:
    """On the console, a provincial administrator's session must have passed the code step.

    Without a device they are sent to enrol; with one (a session that did not pass the code
    step, such as one opened by an invitation link) to the code step. The sign-in pages, the
    enrolment page, sign-out, the language switch and static files stay open.
    """

    OPEN_NAMES = ("login", "logout", "two_factor_code", "two_factor_setup")
    OPEN_PREFIXES = ("/i18n/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._must_verify(request) or self._is_open(request):
            return self.get_response(request)
        if _is_api(request):
            return JsonResponse({"detail": _(MSG_API_TWO_FACTOR)}, status=403)
        name = (
            "two_factor_code" if two_factor.two_factor_enabled(request.user) else "two_factor_setup"
        )
        target = reverse(f"accounts:{name}", urlconf=getattr(request, "urlconf", None))
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _must_verify(request) -> bool:
        tenant = getattr(request, "tenant", None)
        session = request.session
        if tenant is None or not tenant.is_public or SESSION_KEY not in session:
            return False
        if two_factor.session_is_verified(session):
            return False
        return two_factor.two_factor_required(request.user)

    def _is_open(self, request) -> bool:
        path = request.path_info
        if path.startswith((*self.OPEN_PREFIXES, settings.STATIC_URL)):
            return True
        urlconf = getattr(request, "urlconf", None)
        return any(path == reverse(f"accounts:{name}", urlconf=urlconf) for name in self.OPEN_NAMES)
