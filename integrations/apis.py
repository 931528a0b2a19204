"""The integration API for one-stop-shop and portal vendors (see docs/api/integration-events.md).

Authentication is a per-agency key and an HMAC-SHA256 signature of the method, path,
timestamp and body (no session, no CSRF). Every payload ends in the inbox, accepted or
refused; requests refused before that are counted (RejectedRequest).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import http_date
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.models import ApiKey, InboxEvent, InboxStatus
from integrations.services.ingest import (
    events_ingest,
    raw_text,
    request_reject,
    storable,
    text_of,
)
from integrations.services.keys import SignatureError, v1_sunset, verify
from iso_platform.net import client_ip
from iso_platform.parsers import JSONParser, JsonRefused, json_loads


class Vendor:
    """The caller of the integration API: a key, not a person."""

    is_authenticated = True
    is_active = True
    pk = None
    role = None
    is_agency_admin = False

    def __init__(self, key: ApiKey):
        self.key = key

    def __str__(self):
        return f"vendor:{self.key.key_id}"


class HmacAuthentication(BaseAuthentication):
    def authenticate(self, request):
        headers, body = request.headers, request._request.body
        try:
            key, version = verify(
                key_id=headers.get("X-Eiso-Key", ""),
                timestamp=headers.get("X-Eiso-Timestamp", ""),
                signature=headers.get("X-Eiso-Signature", ""),
                body=body,
                method=request.method,
                path=request._request.get_full_path(),
            )
        except SignatureError as exc:
            request_reject(
                key_id=headers.get("X-Eiso-Key", ""),
                reason=str(exc),
                remote_addr=client_ip(request._request),
                body=body,
                key_known=exc.key_known,
            )
            raise AuthenticationFailed(str(exc)) from exc
        request._request.eiso_signature_version = version
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=1):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return Vendor(key), key

    def authenticate_header(self, request):
        return 'HMAC-SHA256 realm="eiso-integrations"'


class HmacScheme(OpenApiAuthenticationExtension):
    target_class = HmacAuthentication
    name = "hmacSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Eiso-Signature",
            "description": "`v2=<hex HMAC-SHA256 of "
            '"v2\\n<METHOD>\\n<path?query>\\n<X-Eiso-Timestamp>\\n<body>">`, '
            "with `X-Eiso-Key` and `X-Eiso-Timestamp` headers. The first version "
            '(`sha256=` over `"<timestamp>.<body>"`) is accepted until the date in the '
            "`Sunset` header of its answers.",
        }


class IsVendor(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, ApiKey)


class VendorApi(APIView):
    """The vendors' endpoints: HMAC only; answers to version-1 signatures announce its end."""

    authentication_classes = [HmacAuthentication]
    permission_classes = [IsVendor]
    parser_classes = [JSONParser]  # the body is read as JSON, whatever the Content-Type

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(request._request, "eiso_signature_version", None) == 1:
            # RFC 8594 (Sunset) and RFC 9745 (Deprecation): clients can log them.
            response["Sunset"] = http_date(v1_sunset().timestamp())
            response["Deprecation"] = "true"
        return response


EventIn = inline_serializer(
    "IntegrationEvent",
    {
        "event_id": serializers.CharField(),
        "type": serializers.CharField(),
        "occurred_at": serializers.DateTimeField(),
        "data": serializers.DictField(),
    },
)
OutcomeOut = inline_serializer(
    "IntegrationOutcome",
    {
        "event_id": serializers.CharField(),
        "status": serializers.CharField(),
        "error": serializers.CharField(required=False),
    },
)
STATUS_CODES = {
    "accepted": status.HTTP_202_ACCEPTED,
    "duplicate": status.HTTP_200_OK,
    "conflict": status.HTTP_409_CONFLICT,
    "rejected": status.HTTP_400_BAD_REQUEST,
}


def _json(request):
    """The body as JSON, or None after keeping the unreadable body in the inbox."""
    raw = request._request.body
    try:
        # bounded nesting; NaN and Infinity refused (iso_platform/parsers.py)
        return json_loads(raw), None
    except JsonRefused as exc:
        InboxEvent.objects.create(
            key=request.auth,
            raw=text_of(raw[:100_000].decode("utf-8", "replace")),
            status=InboxStatus.REJECTED,
            error=f"thân yêu cầu không phải JSON hợp lệ: {exc}",
        )
        return None, Response(
            # the shape of a rejected event (IntegrationOutcome), with no event id to echo
            {
                "event_id": "",
                "status": "rejected",
                "error": text_of(f"thân yêu cầu không phải JSON hợp lệ: {exc}"),
            },
            status=status.HTTP_400_BAD_REQUEST,
        )


class EventApi(VendorApi):
    @extend_schema(
        request=EventIn,
        responses={
            202: OutcomeOut,
            200: OutcomeOut,
            400: OutcomeOut,
            401: OpenApiResponse(),
            409: OutcomeOut,
        },
        summary="Send one event",
    )
    def post(self, request):
        body, error = _json(request)
        if error is not None:
            return error
        outcome = events_ingest(items=[body], key=request.auth)[0]
        payload = {"event_id": outcome.event_id, "status": outcome.status}
        if outcome.error:
            payload["error"] = outcome.error
        return Response(payload, status=STATUS_CODES[outcome.status])


BatchIn = inline_serializer("IntegrationBatch", {"events": serializers.ListField(child=EventIn)})
BatchOut = inline_serializer(
    "IntegrationBatchResult",
    {
        "accepted": serializers.IntegerField(),
        "duplicate": serializers.IntegerField(),
        "conflict": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "results": serializers.ListField(child=OutcomeOut),
    },
)


class EventBatchApi(VendorApi):
    @extend_schema(
        request=BatchIn,
        responses={200: BatchOut, 400: OpenApiResponse(), 401: OpenApiResponse()},
        summary="Send up to INTEGRATION_BATCH_MAX events",
    )
    def post(self, request):
        body, error = _json(request)
        if error is not None:
            return error
        events = body.get("events") if isinstance(body, dict) else None
        limit = settings.INTEGRATION_BATCH_MAX
        if not isinstance(events, list) or not events or len(events) > limit:
            message = f'cần {{"events": [...]}} với 1 đến {limit} sự kiện'
            kept = {"payload": body} if storable(body) else {"raw": raw_text(body)}
            InboxEvent.objects.create(
                key=request.auth, status=InboxStatus.REJECTED, error=message, **kept
            )
            return Response({"error": message}, status=status.HTTP_400_BAD_REQUEST)
        outcomes = events_ingest(items=events, key=request.auth)
        counts = {name: 0 for name in ("accepted", "duplicate", "conflict", "rejected")}
        for outcome in outcomes:
            counts[outcome.status] += 1
        results = [
            {"event_id": o.event_id, "status": o.status, **({"error": o.error} if o.error else {})}
            for o in outcomes
        ]
        return Response({**counts, "results": results})


class EventStatusApi(VendorApi):
    """Where an event stands: accepted, applied, waiting for its application, failed."""

    @extend_schema(
        responses=inline_serializer(
            "IntegrationEventStatus",
            {
                "event_id": serializers.CharField(),
                "status": serializers.CharField(),
                "error": serializers.CharField(),
                "received_at": serializers.DateTimeField(),
                "applied_at": serializers.DateTimeField(allow_null=True),
            },
        )
    )
    def get(self, request, event_id):
        event = get_object_or_404(
            InboxEvent.objects.exclude(status=InboxStatus.REJECTED), event_id=event_id
        )
        return Response(
            {
                "event_id": event.event_id,
                "status": event.status,
                "error": event.error,
                "received_at": event.received_at,
                "applied_at": event.applied_at,
            }
        )
