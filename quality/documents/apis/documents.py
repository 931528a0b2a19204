"""Documents: the register, one document, its revisions, trail, withdrawal and legal status."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from quality.core.models import Unit
from quality.core.signatures.apis import (
    SigningIn,
    hide_secrets,
    secrets_split,
    signed_output,
    with_signed_copy,
)
from quality.documents import selectors
from quality.documents.apis.shapes import AuditOut, Capability, DocumentOut, RevisionOut
from quality.documents.filters import DocumentFilter
from quality.documents.models import DocType, Document, LegalStatus
from quality.documents.services import documents


class DocumentIn(serializers.Serializer):
    doc_type = serializers.ChoiceField(choices=DocType.choices)
    code = serializers.CharField(max_length=60)
    title = serializers.CharField(max_length=500)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    body = serializers.CharField(required=False, allow_blank=True, default="")
    review_months = serializers.IntegerField(required=False, min_value=1, max_value=120)
    legal_number = serializers.CharField(required=False, max_length=100)
    issuer = serializers.CharField(required=False, max_length=255)
    signed_on = serializers.DateField(required=False)
    legal_effective_on = serializers.DateField(required=False)


class DocumentListApi(generics.ListAPIView):
    """The register. Without `status`, out-of-force documents are left out."""

    serializer_class = DocumentOut
    permission_classes = [Capability.of("documents.view")]
    filterset_class = DocumentFilter

    def get_queryset(self):
        return Document.objects.all()  # DocumentFilter reads the register through its selector

    @extend_schema(request=DocumentIn, responses={201: DocumentOut})
    def post(self, request):
        data = DocumentIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        legal = {
            k: values.pop(k)
            for k in ("legal_number", "issuer", "signed_on", "legal_effective_on")
            if k in values
        }
        document = documents.document_create(actor=request.user, legal=legal or None, **values)
        return Response(DocumentOut(document).data, status=status.HTTP_201_CREATED)


class DocumentPatchIn(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    review_months = serializers.IntegerField(required=False, min_value=1, max_value=120)
    title = serializers.CharField(required=False, max_length=500)
    legal_number = serializers.CharField(required=False, max_length=100)
    issuer = serializers.CharField(required=False, max_length=255)
    signed_on = serializers.DateField(required=False)
    legal_effective_on = serializers.DateField(required=False)


class DocumentDetailApi(APIView):
    permission_classes = [Capability.of("documents.view")]

    @extend_schema(responses=DocumentOut)
    def get(self, request, pk):
        return Response(DocumentOut(get_object_or_404(Document, pk=pk)).data)

    @extend_schema(request=DocumentPatchIn, responses=DocumentOut)
    def patch(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        data = DocumentPatchIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        document = documents.document_update(
            actor=request.user, document=document, **data.validated_data
        )
        return Response(DocumentOut(document).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        documents.document_discard(actor=request.user, document=get_object_or_404(Document, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentRevisionsApi(generics.ListAPIView):
    serializer_class = RevisionOut
    permission_classes = [Capability.of("documents.view")]
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return selectors.document_revisions(get_object_or_404(Document, pk=self.kwargs["pk"]))


class DocumentAuditApi(generics.ListAPIView):
    serializer_class = AuditOut
    permission_classes = [Capability.of("documents.view")]
    filter_backends = []

    def get_queryset(self):
        return selectors.document_audit_trail(get_object_or_404(Document, pk=self.kwargs["pk"]))


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField()


class WithdrawIn(SigningIn, ReasonIn):
    pass


@hide_secrets
class WithdrawApi(APIView):
    """Withdraw an issued document; the withdrawal decision is signed as on the page."""

    permission_classes = [Capability.of("documents.view")]

    @extend_schema(request=WithdrawIn, responses=signed_output(DocumentOut))
    def post(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        data = WithdrawIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields, secrets = secrets_split(data.validated_data)
        document = documents.document_withdraw(
            actor=request.user, document=document, reason=fields["reason"], signing=secrets
        )
        return Response(with_signed_copy(DocumentOut(document).data, document, request))


class ExternalStatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=LegalStatus.choices)
    replaced_by = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.filter(doc_type="external"), required=False, allow_null=True
    )


class ExternalStatusApi(APIView):
    permission_classes = [Capability.of("documents.view")]

    @extend_schema(request=ExternalStatusIn, responses=DocumentOut)
    def post(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        data = ExternalStatusIn(data=request.data)
        data.is_valid(raise_exception=True)
        document = documents.external_status_set(
            actor=request.user,
            document=document,
            status=data.validated_data["status"],
            replaced_by=data.validated_data.get("replaced_by"),
        )
        return Response(DocumentOut(document).data)
