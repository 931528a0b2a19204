"""The inbound endpoint of document exchange (docs/api/exchange.md): the province's platform
(or an agency's document-management system) posts edXML packages and status messages,
signed with one of the agency's integration keys like the one-stop-shop events."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from integrations.apis import VendorApi
from integrations.exchange.models import LogStatus
from integrations.exchange.services.inbound import message_receive

CODES = {
    LogStatus.IMPORTED: status.HTTP_201_CREATED,
    LogStatus.DUPLICATE: status.HTTP_200_OK,
    LogStatus.APPLIED: status.HTTP_200_OK,
    LogStatus.REFUSED: status.HTTP_422_UNPROCESSABLE_ENTITY,
}
Outcome = inline_serializer(
    "ExchangeOutcome",
    {
        "status": serializers.ChoiceField(choices=list(CODES)),
        "package_id": serializers.CharField(),
        "log_id": serializers.IntegerField(),
        "document_id": serializers.IntegerField(allow_null=True),
        "reason": serializers.CharField(),
        "signature": serializers.CharField(),
        # A refusal also says why under `error`, the integration API's shape for a refusal
        # (docs/api/integration-events.md): clients read one key whatever the endpoint.
        "error": serializers.CharField(required=False),
    },
)


class ExchangeMessageApi(VendorApi):
    @extend_schema(
        # The edXML document as bytes, signed as sent: no serializer reads it.
        request={"application/xml": OpenApiTypes.BINARY},
        responses={201: Outcome, 200: Outcome, 422: Outcome, 401: OpenApiResponse()},
        summary="Deliver an edXML package or status message",
    )
    def post(self, request):
        # The raw body (signed as is); the JSON parser of VendorApi is never asked.
        log = message_receive(data=request._request.body, channel="api")
        body = {
            "status": log.status,
            "package_id": log.package_id,
            "log_id": log.pk,
            "document_id": log.document_id,
            "reason": log.reason,
            "signature": log.signature_status,
        }
        if log.status == LogStatus.REFUSED:
            body["error"] = log.reason
        return Response(body, status=CODES[log.status])
