"""REST helpers shared by every API: errors always say what is wrong."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, throttling
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from iso_platform.middleware import bad_request_response
from iso_platform.parsers import MSG_JSON_TOO_BIG


def exception_handler(exc, context):
    """Django ValidationErrors raised by services become 400s with field messages."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    if isinstance(exc, DjangoPermissionDenied):
        # Keep a service's explanation ("Bạn không phải người được giao xem xét bản này.")
        # instead of DRF's generic text; capability names alone are not shown.
        message = exc.args[0] if exc.args and " " in str(exc.args[0]) else None
        exc = exceptions.PermissionDenied(message)
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """`handler404` of both URL confs: an API client gets JSON (an id that is not a number,
    a mistyped path), a person the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Không tìm thấy địa chỉ API này.")}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """`handler400` of both URL confs: what Django refuses by itself (a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a broken multipart body) said like the
    platform's own 400s: JSON under /api/, the site's page otherwise."""

    message = None
    if isinstance(exception, RequestDataTooBig):
        message = _(MSG_JSON_TOO_BIG) % {"max": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        message = _("Yêu cầu có quá nhiều trường dữ liệu hoặc tệp.")
    return bad_request_response(request, message)


class StepApi(APIView):
    """Base for `POST /<things>/{id}/<step>/`: find the object (404 when it is not this
    agency's), check the input's shape with `input_class`, call the service in `step`, answer
    with `represent(object)`.

    A subclass names its `input_class` (and the base its `output_class`) and writes `step`;
    the OpenAPI schema of its `post` is derived from them when the class is made, so no
    subclass overrides `post` only to document it.
    """

    input_class = None
    output_class = None
    # The request's documented shape when it is not just `input_class` (several media types).
    request_schema = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "post" in cls.__dict__ or cls.input_class is None or cls.output_class is None:
            return

        def post(self, request, pk):
            return StepApi.post(self, request, pk)

        cls.post = extend_schema(
            request=cls.request_schema or cls.input_class, responses=cls.output_class
        )(post)

    def get_object(self, pk):
        raise NotImplementedError

    def step(self, actor, obj, data):
        raise NotImplementedError

    def represent(self, obj):
        return self.output_class(obj).data

    def post(self, request, pk):
        obj = self.get_object(pk)
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(self.represent(self.step(request.user, obj, data.validated_data)))


class SettingRateThrottle(throttling.SimpleRateThrottle):
    """A throttle whose rate is a setting read with `iso_platform.env.rate` (`120/m`, or
    `5/10m`: count / a number of seconds, minutes, hours or days); subclasses name the
    setting and say whose requests count together (`get_cache_key`)."""

    rate_setting = ""
    UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def parse_rate(self, rate):
        count, period = rate.split("/")
        match = re.fullmatch(r"(\d*)([smhd])", period)
        return int(count), int(match.group(1) or 1) * self.UNITS[match.group(2)]
