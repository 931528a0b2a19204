"""Middleware that runs before (health, request id) and after (headers) tenant routing, and
the answers to bad requests: malformed input (400) and, under DEBUG, the site's own 404."""

from __future__ import annotations

import logging
import re
import sys
import uuid

from django import db
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, get_resolver, get_urlconf, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

from iso_platform.logging_context import request_id_var, schema_var

logger = logging.getLogger(__name__)
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEALTH_PATHS = frozenset({"/healthz", "/healthz/", "/readyz", "/readyz/"})


class HealthCheckMiddleware:
    """`/healthz` (the process is alive) and `/readyz` (PostgreSQL and Redis answer).

    First in the chain: answers whatever the Host header says (Kubernetes probes use the
    pod IP), before tenant routing, host validation, HTTPS redirects and sessions.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path not in HEALTH_PATHS:
            return self.get_response(request)
        if path.startswith("/healthz"):
            return JsonResponse({"status": "ok"})
        checks = {"database": _check_database(), "redis": _check_redis()}
        ok = all(value == "ok" for value in checks.values())
        return JsonResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
        )


def _check_database() -> str:
    try:
        connection.set_schema_to_public()
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        return "ok"
    except Exception as exc:
        logger.warning("readiness: database unavailable: %s", exc)
        return "unavailable"
    finally:
        # A failed check must not leave a broken connection for the next request.
        connection.close_if_unusable_or_obsolete()


def _check_redis() -> str:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        client.ping()
        client.close()
        return "ok"
    except redis.RedisError as exc:
        logger.warning("readiness: redis unavailable: %s", exc)
        return "unavailable"


class RequestIdMiddleware:
    """Give every request an id (or keep a sane one from the proxy) for logs and Sentry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Set, not reset afterwards: Django logs 4xx/5xx responses after the middleware chain
        # has returned, and those lines must still carry this request's id and schema. Every
        # request (and every Celery task) sets both values first, so nothing stale leaks.
        request_id_var.set(request_id)
        schema_var.set("-")
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


MSG_DATABASE_UNAVAILABLE = translation.gettext_noop(
    "Hệ thống đang tạm gián đoạn kết nối cơ sở dữ liệu. Vui lòng thử lại sau ít phút."
)
DATABASE_RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """PostgreSQL down or restarting: a 503 in Vietnamese (JSON under /api/), not a 500.

    Django turns an exception into a response at the layer that raised it (tenant routing,
    sessions, the view), so the outer layers never see it. The `got_request_exception`
    signal, sent for every uncaught exception before the 500 is made, marks the request
    when the exception is a connection failure; this middleware, placed before the tenant
    routing, then answers 503 instead of the 500. The next request opens a new connection
    (a broken one is closed at the end of the request).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_note_database_failure, dispatch_uid="eiso-db-unavailable")

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "_eiso_database_down", False):
            return database_unavailable_response(request)
        return response


def _note_database_failure(sender=None, request=None, **_kwargs):
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, (db.OperationalError, db.InterfaceError)):
        request._eiso_database_down = True


def database_unavailable_response(request):
    # Outside LanguageMiddleware: the default language; the catalogue needs no database.
    message = translation.gettext(MSG_DATABASE_UNAVAILABLE)
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(
            render_to_string("503.html", {"message": message}),  # no request: no database
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


class SecurityHeadersMiddleware:
    """Headers Django does not set itself. No inline scripts anywhere, so CSP can forbid them."""

    CSP = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class LanguageMiddleware:
    """Vietnamese unless the person chose English with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and most
    browsers in offices are set to English: the product is Vietnamese first. A program calling
    the APIs (`/api/…`) has no switch to press, so there its Accept-Language counts when its
    first choice is a language eISO has (the cookie still wins).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen not in self.available and request.path.startswith("/api/"):
            chosen = self._first_choice(request.headers.get("Accept-Language", ""))
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(
            response,
            ("Cookie", "Accept-Language") if request.path.startswith("/api/") else ("Cookie",),
        )
        translation.deactivate()
        return response

    def _first_choice(self, header: str) -> str:
        first = header.split(",", 1)[0].split(";", 1)[0].strip().lower()
        return first.split("-", 1)[0]


MSG_NUL = translation.gettext_noop(
    "Dữ liệu gửi lên chứa ký tự NUL (\\0), không hợp lệ: %(where)s. Hãy gửi lại không có ký tự này."
)
MSG_BAD_REQUEST = translation.gettext_noop("Yêu cầu không hợp lệ; hãy kiểm tra dữ liệu gửi lên.")
NUL = "\x00"


class MalformedInputMiddleware:
    """A NUL character in the address, a query parameter or a form field: a 400 naming where.

    PostgreSQL cannot hold NUL in any text, so such a value ends in a database error (a 500)
    wherever it reaches a query; refusing it here covers every view at once. JSON bodies are
    the parsers' and serializers' business (DRF's CharField refuses NUL itself).

    A multipart body is parsed here, before the view: it is read into memory first when it
    is small enough (DATA_UPLOAD_MAX_MEMORY_SIZE), so that views reading the raw body (the
    integration API signs it) still can.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = _nul_in(request)
        if where:
            return bad_request_response(request, translation.gettext(MSG_NUL) % {"where": where})
        return self.get_response(request)


def _nul_in(request) -> str:
    if NUL in request.path_info:
        return translation.gettext("địa chỉ")
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return translation.gettext("tham số “%(name)s”") % {"name": _shown(name)}
    if request.method != "POST" or request.content_type not in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return ""
    if request.content_type == "multipart/form-data" and _fits_in_memory(request):
        request.body  # noqa: B018 - kept for views that read the raw body after the fields
    for name, values in request.POST.lists():
        if NUL in name or any(NUL in value for value in values):
            return translation.gettext("trường “%(name)s”") % {"name": _shown(name)}
    return ""


def _fits_in_memory(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is None or length <= limit


def _shown(name: str) -> str:
    return name.replace(NUL, "\\0")[:60]


def bad_request_response(request, message: str | None = None):
    """A 400 that says what is wrong: JSON under /api/, the site's page otherwise."""
    message = message or translation.gettext(MSG_BAD_REQUEST)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponse(
        render_to_string("400.html", {"message": message}, request=request),
        status=400,
        content_type="text/html; charset=utf-8",
    )


class NotFoundPageMiddleware:
    """Under DEBUG, the site's own 404 (the URL conf's `handler404`) instead of Django's
    technical page, which lists every URL pattern of the host; `TECHNICAL_404=true` brings
    the technical page back for a developer. Without DEBUG, Django uses `handler404` anyway.

    Last in the chain, so that CommonMiddleware still turns a 404 for `/path` into a
    redirect to `/path/`. An unknown address is found by resolving it again (only when the
    answer is a 404 under DEBUG); a view's Http404 arrives in `process_exception`. A 404
    that a view makes itself (DRF's JSON, an unknown invitation link) is left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or not _replacing():
            return response
        try:
            resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
        except Resolver404 as exc:
            return _site_not_found(request, exc)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and _replacing():
            return _site_not_found(request, exception)
        return None


def _replacing() -> bool:
    return settings.DEBUG and not settings.TECHNICAL_404


def _site_not_found(request, exception):
    resolver = get_resolver(getattr(request, "urlconf", None) or get_urlconf())
    return resolver.resolve_error_handler(404)(request, exception)
