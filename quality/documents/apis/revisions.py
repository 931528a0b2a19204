"""Revisions: the draft, its review steps, files, distribution and acknowledgements."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from iso_platform.accounts.models import User
from iso_platform.api import StepApi
from quality.core.models import Unit
from quality.core.signatures.apis import (
    SigningIn,
    hide_secrets,
    secrets_split,
    signed_output,
    with_signed_copy,
)
from quality.documents import selectors
from quality.documents.apis.documents import ReasonIn
from quality.documents.apis.shapes import AckOut, Capability, FileOut, RevisionOut
from quality.documents.models import Acknowledgement, Revision, RevisionFile
from quality.documents.services import distribution, documents, files


class RevisionIn(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=500)
    body = serializers.CharField(required=False, allow_blank=True)
    change_summary = serializers.CharField(required=False, allow_blank=True)
    change_location = serializers.CharField(required=False, allow_blank=True, max_length=300)
    change_reason = serializers.CharField(required=False, allow_blank=True)
    effective_on = serializers.DateField(required=False, allow_null=True)


def _revision(pk) -> Revision:
    return get_object_or_404(Revision.objects.select_related("document"), pk=pk)


class RevisionDetailApi(APIView):
    permission_classes = [Capability.of("documents.view")]

    @extend_schema(responses=RevisionOut)
    def get(self, request, pk):
        return Response(RevisionOut(_revision(pk)).data)

    @extend_schema(request=RevisionIn, responses=RevisionOut)
    def patch(self, request, pk):
        revision = _revision(pk)
        data = RevisionIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        revision = documents.revision_update(
            actor=request.user, revision=revision, **data.validated_data
        )
        return Response(RevisionOut(revision).data)


class SubmitIn(serializers.Serializer):
    reviewer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )


class NoteIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CommentIn(serializers.Serializer):
    comment = serializers.CharField()


class ApproveIn(SigningIn):
    effective_on = serializers.DateField(required=False, allow_null=True)


class RevisionStepApi(StepApi):
    """Base for `POST /revisions/{id}/<step>/`."""

    permission_classes = [Capability.of("documents.view")]
    input_class = NoteIn
    output_class = RevisionOut

    def get_object(self, pk):
        return _revision(pk)


class SubmitApi(RevisionStepApi):
    input_class = SubmitIn

    def step(self, actor, revision, data):
        return documents.revision_submit(
            actor=actor, revision=revision, reviewer=data.get("reviewer")
        )


class ReviewApi(RevisionStepApi):
    def step(self, actor, revision, data):
        return documents.revision_review(actor=actor, revision=revision, note=data["note"])


class SendBackApi(RevisionStepApi):
    input_class = CommentIn

    def step(self, actor, revision, data):
        return documents.revision_send_back(actor=actor, revision=revision, comment=data["comment"])


@hide_secrets
class ApproveApi(RevisionStepApi):
    """Approve and issue; the issue decision is signed as on the page."""

    input_class = ApproveIn
    output_class = signed_output(RevisionOut)

    def step(self, actor, revision, data):
        fields, secrets = secrets_split(data)
        return documents.revision_approve(
            actor=actor,
            revision=revision,
            effective_on=fields.get("effective_on"),
            signing=secrets,
        )

    def represent(self, revision):
        return with_signed_copy(RevisionOut(revision).data, revision, self.request)


class CancelApi(RevisionStepApi):
    input_class = ReasonIn

    def step(self, actor, revision, data):
        return documents.revision_cancel(actor=actor, revision=revision, reason=data["reason"])


class FileUploadIn(serializers.Serializer):
    file = serializers.FileField()


class RevisionFilesApi(APIView):
    permission_classes = [Capability.of("documents.view")]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=FileOut(many=True))
    def get(self, request, pk):
        return Response(FileOut(_revision(pk).files.all(), many=True).data)

    @extend_schema(request={"multipart/form-data": FileUploadIn}, responses={201: FileOut})
    def post(self, request, pk):
        revision = _revision(pk)
        data = FileUploadIn(data=request.data)
        data.is_valid(raise_exception=True)
        record = files.revision_file_add(
            actor=request.user, revision=revision, upload=data.validated_data["file"]
        )
        return Response(FileOut(record).data, status=status.HTTP_201_CREATED)


class FileDownloadApi(APIView):
    permission_classes = [Capability.of("documents.view")]

    # The file's own type (PDF, DOCX, XLSX, an image), not always application/octet-stream.
    @extend_schema(responses={(200, "*/*"): bytes})
    def get(self, request, pk):
        record = get_object_or_404(RevisionFile, pk=pk)
        response = FileResponse(
            record.file.open("rb"),
            as_attachment=True,
            filename=record.name,
            content_type=record.content_type,
        )
        response["X-Content-SHA256"] = record.sha256
        return response


class DistributeIn(serializers.Serializer):
    units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), many=True, required=False, default=list
    )
    users = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False, default=list
    )


class DistributeOut(serializers.Serializer):
    new_readers = serializers.IntegerField()


class DistributeApi(APIView):
    permission_classes = [Capability.of("documents.view")]

    @extend_schema(request=DistributeIn, responses=DistributeOut)
    def post(self, request, pk):
        revision = _revision(pk)
        data = DistributeIn(data=request.data)
        data.is_valid(raise_exception=True)
        added = distribution.revision_distribute(
            actor=request.user, revision=revision, **data.validated_data
        )
        return Response({"new_readers": added})


class RevisionAcksApi(generics.ListAPIView):
    """Who received an issued revision and who has not read it yet."""

    serializer_class = AckOut
    permission_classes = [Capability.of("documents.view")]
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return selectors.acknowledgement_status(_revision(self.kwargs["pk"])).select_related(
            "revision__document"
        )


class MyAcksApi(generics.ListAPIView):
    """What is new for me: revisions distributed to me and not yet acknowledged."""

    serializer_class = AckOut
    permission_classes = [Capability.of("documents.view")]
    filter_backends = []

    def get_queryset(self):
        return selectors.my_pending_acknowledgements(self.request.user).select_related("user")


class AckConfirmApi(APIView):
    permission_classes = [Capability.of("documents.view")]

    @extend_schema(request=None, responses=AckOut)
    def post(self, request, pk):
        ack = get_object_or_404(
            Acknowledgement.objects.select_related("revision__document", "user"), pk=pk
        )
        ack = distribution.acknowledgement_confirm(actor=request.user, acknowledgement=ack)
        return Response(AckOut(ack).data)
