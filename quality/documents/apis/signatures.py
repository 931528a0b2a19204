"""`POST /api/v1/signatures/verify/`: the digital signatures of any PDF, checked against the
province trust list and answered as JSON; the file is not kept (docs/api/signatures.md)."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from iso_platform.api import SettingRateThrottle
from quality.documents.apis.shapes import Capability
from quality.documents.models import SignatureCheck
from quality.documents.services import signatures

MSG_THROTTLED = gettext_noop(
    "Quá nhiều yêu cầu kiểm tra chữ ký số; hãy thử lại sau %(seconds)s giây."
)


class SignatureVerifyIn(serializers.Serializer):
    file = serializers.FileField(help_text="The PDF, at most SIGNING_VERIFY_MAX_MB.")


class SignatureResultOut(serializers.Serializer):
    field = serializers.CharField()
    status = serializers.ChoiceField(choices=SignatureCheck.choices)
    message = serializers.CharField()
    intact = serializers.BooleanField()
    trusted = serializers.BooleanField()
    signer_name = serializers.CharField()
    signer_title = serializers.CharField()
    signer_organisation = serializers.CharField()
    signer_email = serializers.CharField()
    signing_time = serializers.DateTimeField(allow_null=True)
    timestamped = serializers.BooleanField()
    timestamp_valid = serializers.BooleanField(allow_null=True)
    revocation = serializers.ChoiceField(choices=["checked", "unreachable"])
    problems = serializers.ListField(child=serializers.CharField())


class SignatureVerificationOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=SignatureCheck.choices)
    message = serializers.CharField()
    revocation_unreachable = serializers.BooleanField()
    signatures = SignatureResultOut(many=True)


class VerifyThrottle(SettingRateThrottle):
    """`SIGNING_VERIFY_RATE` per person: each check may fetch CRLs and OCSP answers from the
    CAs. People are numbered per agency: the key carries the schema."""

    scope = "signature_verify"
    rate_setting = "SIGNING_VERIFY_RATE"

    def get_cache_key(self, request, view):
        ident = f"{connection.schema_name}:{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SignatureVerifyApi(APIView):
    # A read, as the page's check (quality/documents/views/signatures.py): a POST only to
    # carry the file; nothing is kept but the audit row.
    permission_classes = [Capability.of("documents.view")]
    parser_classes = [MultiPartParser]
    throttle_classes = [VerifyThrottle]

    @extend_schema(
        request={"multipart/form-data": SignatureVerifyIn},
        responses={200: SignatureVerificationOut},
        summary="Verify the digital signatures of a PDF (not stored)",
    )
    def post(self, request):
        data = SignatureVerifyIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = signatures.pdf_verify(
            actor=request.user,
            upload=data.validated_data["file"],
            via=signatures.ON_API,
            request=request,
        )
        if outcome["status"] == SignatureCheck.REFUSED:
            raise exceptions.ValidationError({"file": [outcome["message"]]})
        body = {k: outcome[k] for k in ("status", "message", "revocation_unreachable")}
        body["signatures"] = outcome["signatures"]
        return Response(body)

    def throttled(self, request, wait):
        seconds = int(wait or 1)
        raise exceptions.Throttled(wait, detail=_(MSG_THROTTLED) % {"seconds": seconds})
