"""REST side of signing: the secrets a signing step takes in its body (the same fields as
the page forms), the signed copy it answers with, and the copy's download
(`GET /api/v1/signed-documents/{id}/`, docs/api/signatures.md)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.views import APIView

from iso_platform.audit import export_record
from iso_platform.logging_context import SECRET_FIELDS
from iso_platform.text import fold
from quality.core.permissions import can
from quality.core.signatures.models import SignedDocument
from quality.core.signatures.services import SigningSecrets
from quality.core.signatures.subjects import reader_capability

# Django's error reports of a signing step show its form fields without the secrets.
hide_secrets = method_decorator(sensitive_post_parameters(*SECRET_FIELDS), name="dispatch")


def _secret(help_text: str):
    # Write-only and never trimmed: a password may start or end with a space.
    return serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        trim_whitespace=False,
        max_length=256,
        style={"input_type": "password"},
        help_text=help_text,
    )


class SigningIn(serializers.Serializer):
    """Mixed into the input of a step that signs what it issues. Required only when the
    step signs: the caller holds a signing credential (or the agency requires signatures);
    without it the answer is a 400 on `signing_secret` (or `agency_secret`)."""

    signing_secret = _secret(
        "The password of your PKCS#12 file, or the PIN of your token or of your remote "
        "(CSC) credential. Never stored, never echoed."
    )
    agency_secret = _secret(
        "The agency certificate's password or PIN, when you may sign with it (leaders and "
        "the administrator, once the agency's certificate is kept)."
    )


def secrets_split(validated: dict) -> tuple[dict, SigningSecrets]:
    """The step's own fields, and the secrets (taken out, so they never reach the service's
    other arguments)."""
    rest = dict(validated)
    secrets = SigningSecrets(
        secret=rest.pop("signing_secret", "") or "",
        agency_secret=rest.pop("agency_secret", "") or "",
    )
    return rest, secrets


class SignerOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["person", "agency"])
    name = serializers.CharField()
    title = serializers.CharField()
    organisation = serializers.CharField()
    serial = serializers.CharField()
    source = serializers.CharField(help_text="pkcs12, pkcs11 or remote")


class SignedDocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(source="register.number")
    issued_on = serializers.DateField(source="register.issued_on")
    title = serializers.CharField()
    sha256 = serializers.CharField()
    signed_at = serializers.DateTimeField()
    timestamped = serializers.BooleanField()
    signers = SignerOut(many=True)
    download_url = serializers.SerializerMethodField(
        help_text="The signed PDF, as it was signed (this API, same authentication)."
    )

    def get_download_url(self, record) -> str:
        path = reverse("portal_api:signed-document", kwargs={"pk": record.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


def signed_copy_of(subject) -> SignedDocument | None:
    """The newest signed copy whose subject is `subject` (None when it was not signed)."""
    return (
        SignedDocument.objects.select_related("register")
        .filter(subject_type=subject._meta.model_name, subject_id=str(subject.pk))
        .order_by("-id")
        .first()
    )


def with_signed_copy(data: dict, subject, request) -> dict:
    """A step's answer and, under `signed_document`, the copy it signed (or null)."""
    record = signed_copy_of(subject)
    signed = SignedDocumentOut(record, context={"request": request}).data if record else None
    return {**data, "signed_document": signed}


def signed_output(base: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The documented answer of a signing step: `base` plus `signed_document`."""
    attrs = {
        "signed_document": SignedDocumentOut(
            read_only=True,
            allow_null=True,
            help_text="The signed copy this step made; null when the step did not sign.",
        )
    }
    meta = getattr(base, "Meta", None)
    if meta is not None and isinstance(getattr(meta, "fields", None), list | tuple):
        attrs["Meta"] = type("Meta", (meta,), {"fields": [*meta.fields, "signed_document"]})
    return type(f"{base.__name__}WithSignature", (base,), attrs)


class SignedDocumentApi(APIView):
    """The signed PDF, byte for byte as it was signed (its SHA-256 in `X-Content-SHA256`);
    for whoever may read what it records (the issued document, the audit, the review)."""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk):
        record = get_object_or_404(SignedDocument.objects.select_related("register"), pk=pk)
        capability = reader_capability(record.subject_type)
        if capability is None:
            raise exceptions.NotFound()
        if not can(request.user, capability):
            raise exceptions.PermissionDenied()
        name = slugify(fold(record.register.number).replace("/", "-")) or f"van-ban-{record.pk}"
        response = HttpResponse(bytes(record.content), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        response["X-Content-SHA256"] = record.sha256
        export_record(request=request, kind="signed_document", filename=f"{name}.pdf")
        return response
