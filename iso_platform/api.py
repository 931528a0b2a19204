"""REST helpers shared by every API: errors always say what is wrong."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


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
