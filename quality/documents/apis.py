"""REST API of the documents area (`/api/v1/` on the agency's host).

One view per operation; small input serializers validate shape, services decide and write.
The same rules hold as on the pages: a reader cannot approve, nothing issued is deleted.
"""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from iso_platform.accounts.models import User
from iso_platform.api import StepApi
from quality.core.models import AuditEvent, Unit
from quality.core.permissions import can
from quality.documents import selectors
from quality.documents.filters import DocumentFilter, SeriesFilter
from quality.documents.models import (
    Acknowledgement,
    ChangeRequest,
    DisposalMethod,
    DocType,
    Document,
    LegalStatus,
    RecordEntry,
    RecordSeries,
    Revision,
    RevisionFile,
)
from quality.documents.services import distribution, documents, files, records


class Capability(BasePermission):
    """`permission_classes = [Capability.of("documents.view")]`."""

    capability = "documents.view"
    message = "Vai trò của bạn không được thực hiện thao tác này."

    @classmethod
    def of(cls, capability: str):
        return type(f"Can_{capability.replace('.', '_')}", (cls,), {"capability": capability})

    def has_permission(self, request, view):
        return can(request.user, self.capability)


# --------------------------------------------------------------------------- output shapes


class PersonOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name", "email"]


class FileOut(serializers.ModelSerializer):
    text_problem = serializers.CharField(
        read_only=True, help_text="Why the file's text is not searchable; empty when it is."
    )

    class Meta:
        model = RevisionFile
        fields = [
            "id",
            "name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "text_status",
            "text_problem",
        ]


class RevisionOut(serializers.ModelSerializer):
    drafted_by = PersonOut(read_only=True, allow_null=True)
    reviewed_by = PersonOut(read_only=True, allow_null=True)
    approved_by = PersonOut(read_only=True, allow_null=True)
    reviewer = PersonOut(read_only=True, allow_null=True)
    files = FileOut(many=True, read_only=True)

    class Meta:
        model = Revision
        fields = [
            "id",
            "document",
            "number",
            "issue_number",
            "status",
            "title",
            "body",
            "change_summary",
            "change_location",
            "change_reason",
            "effective_on",
            "drafted_by",
            "drafted_at",
            "reviewer",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "approved_by",
            "approved_at",
            "ended_at",
            "files",
        ]


class DocumentOut(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name", default=None, allow_null=True)
    out_of_force = serializers.BooleanField(source="is_out_of_force", read_only=True)
    issue_number = serializers.IntegerField(
        source="current_revision.issue_number", default=None, allow_null=True
    )
    effective_on = serializers.DateField(
        source="current_revision.effective_on", default=None, allow_null=True
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "doc_type",
            "code",
            "title",
            "unit",
            "status",
            "out_of_force",
            "issue_number",
            "effective_on",
            "next_review_on",
            "review_months",
            "current_revision",
            "latest_revision",
            "legal_number",
            "issuer",
            "signed_on",
            "legal_effective_on",
            "legal_status",
            "replaced_by",
            "updated_at",
        ]


class AuditOut(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "at",
            "actor_label",
            "action",
            "subject_type",
            "subject_id",
            "subject_label",
            "changes",
        ]


class AckOut(serializers.ModelSerializer):
    user = PersonOut(read_only=True)
    document = serializers.IntegerField(source="revision.document_id")
    code = serializers.CharField(source="revision.document.code")

    class Meta:
        model = Acknowledgement
        fields = ["id", "revision", "document", "code", "user", "distributed_at", "acknowledged_at"]


class ChangeRequestOut(serializers.ModelSerializer):
    requested_by = PersonOut(read_only=True)

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "document",
            "requested_by",
            "requested_at",
            "reason",
            "proposal",
            "status",
            "decided_at",
            "decision_note",
        ]


class SeriesOut(serializers.ModelSerializer):
    class Meta:
        model = RecordSeries
        fields = [
            "id",
            "year",
            "procedure",
            "name",
            "keeper_unit",
            "keeper",
            "location",
            "retention_months",
            "disposal_method",
            "carried_from",
        ]


class EntryOut(serializers.ModelSerializer):
    retention_ends_on = serializers.DateField(read_only=True)
    disposed_on = serializers.DateField(
        source="disposal.disposed_on", default=None, allow_null=True
    )

    class Meta:
        model = RecordEntry
        fields = [
            "id",
            "series",
            "reference",
            "dated_on",
            "note",
            "retention_ends_on",
            "disposed_on",
        ]


# --------------------------------------------------------------------------- documents


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


class WithdrawApi(APIView):
    permission_classes = [Capability.of("documents.view")]

    @extend_schema(request=ReasonIn, responses=DocumentOut)
    def post(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        data = ReasonIn(data=request.data)
        data.is_valid(raise_exception=True)
        document = documents.document_withdraw(
            actor=request.user, document=document, reason=data.validated_data["reason"]
        )
        return Response(DocumentOut(document).data)


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


# --------------------------------------------------------------------------- revisions


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


class ApproveIn(serializers.Serializer):
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


class ApproveApi(RevisionStepApi):
    input_class = ApproveIn

    def step(self, actor, revision, data):
        return documents.revision_approve(
            actor=actor, revision=revision, effective_on=data.get("effective_on")
        )


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


# --------------------------------------------------------------------------- change requests


class ChangeRequestIn(serializers.Serializer):
    reason = serializers.CharField()
    proposal = serializers.CharField(required=False, allow_blank=True, default="")


class DocumentChangeRequestsApi(APIView):
    permission_classes = [Capability.of("documents.view")]

    @extend_schema(responses=ChangeRequestOut(many=True))
    def get(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        return Response(
            ChangeRequestOut(
                document.change_requests.select_related("requested_by"), many=True
            ).data
        )

    @extend_schema(request=ChangeRequestIn, responses={201: ChangeRequestOut})
    def post(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        data = ChangeRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        change = documents.change_request_create(
            actor=request.user, document=document, **data.validated_data
        )
        return Response(ChangeRequestOut(change).data, status=status.HTTP_201_CREATED)


class ChangeRequestDecisionApi(APIView):
    permission_classes = [Capability.of("documents.view")]
    accept = True

    @extend_schema(request=NoteIn, responses={201: RevisionOut})
    def post(self, request, pk):
        return self.decide(request, pk)

    def decide(self, request, pk):
        change = get_object_or_404(ChangeRequest, pk=pk)
        data = NoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        if self.accept:
            revision = documents.change_request_accept(
                actor=request.user, request=change, note=data.validated_data["note"]
            )
            return Response(RevisionOut(revision).data, status=status.HTTP_201_CREATED)
        change = documents.change_request_reject(
            actor=request.user, request=change, note=data.validated_data["note"]
        )
        return Response(ChangeRequestOut(change).data)


class ChangeRequestRejectApi(ChangeRequestDecisionApi):
    """Rejecting answers with the change request itself (no revision is made)."""

    accept = False

    @extend_schema(request=NoteIn, responses={200: ChangeRequestOut})
    def post(self, request, pk):
        return self.decide(request, pk)


# --------------------------------------------------------------------------- records


class SeriesIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    name = serializers.CharField(max_length=300)
    procedure = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(), required=False, allow_null=True
    )
    keeper_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    keeper = serializers.CharField(required=False, allow_blank=True, default="")
    location = serializers.CharField(required=False, allow_blank=True, default="")
    retention_months = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    disposal_method = serializers.ChoiceField(
        choices=DisposalMethod.choices, default=DisposalMethod.DESTROY
    )


class SeriesListApi(generics.ListAPIView):
    serializer_class = SeriesOut
    permission_classes = [Capability.of("records.view")]
    filterset_class = SeriesFilter

    def get_queryset(self):
        return RecordSeries.objects.select_related("procedure").order_by("-year", "name")

    @extend_schema(request=SeriesIn, responses={201: SeriesOut})
    def post(self, request):
        data = SeriesIn(data=request.data)
        data.is_valid(raise_exception=True)
        series = records.record_series_create(actor=request.user, **data.validated_data)
        return Response(SeriesOut(series).data, status=status.HTTP_201_CREATED)


class EntryIn(serializers.Serializer):
    reference = serializers.CharField(max_length=300)
    dated_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SeriesEntriesApi(generics.ListAPIView):
    serializer_class = EntryOut
    permission_classes = [Capability.of("records.view")]
    filter_backends = []

    def get_queryset(self):
        series = get_object_or_404(RecordSeries, pk=self.kwargs["pk"])
        return series.entries.select_related("series", "disposal")

    @extend_schema(request=EntryIn, responses={201: EntryOut})
    def post(self, request, pk):
        series = get_object_or_404(RecordSeries, pk=pk)
        data = EntryIn(data=request.data)
        data.is_valid(raise_exception=True)
        entry = records.record_entry_add(actor=request.user, series=series, **data.validated_data)
        return Response(EntryOut(entry).data, status=status.HTTP_201_CREATED)


class DueEntriesApi(APIView):
    permission_classes = [Capability.of("records.view")]

    @extend_schema(responses=EntryOut(many=True))
    def get(self, request):
        return Response(EntryOut(records.entries_due_for_disposal(), many=True).data)


class DisposeIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=DisposalMethod.choices, required=False)
    disposed_on = serializers.DateField(required=False)
    minutes_reference = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisposeApi(APIView):
    permission_classes = [Capability.of("records.view")]

    @extend_schema(request=DisposeIn, responses=EntryOut)
    def post(self, request, pk):
        entry = get_object_or_404(RecordEntry, pk=pk)
        data = DisposeIn(data=request.data)
        data.is_valid(raise_exception=True)
        records.record_dispose(actor=request.user, entry=entry, **data.validated_data)
        entry.refresh_from_db()
        return Response(EntryOut(entry).data)


class CarryOverIn(serializers.Serializer):
    from_year = serializers.IntegerField(min_value=2000, max_value=2100)
    to_year = serializers.IntegerField(min_value=2000, max_value=2100)


class CarryOverOut(serializers.Serializer):
    created = serializers.IntegerField()


class CarryOverApi(APIView):
    permission_classes = [Capability.of("records.view")]

    @extend_schema(request=CarryOverIn, responses=CarryOverOut)
    def post(self, request):
        data = CarryOverIn(data=request.data)
        data.is_valid(raise_exception=True)
        created = records.record_register_carry_over(actor=request.user, **data.validated_data)
        return Response({"created": created})
