"""What the documents API shares: the capability check and the output shapes.

Other areas' APIs check capabilities with `Capability` and name people with `PersonOut`.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.permissions import BasePermission

from iso_platform.accounts.models import User
from quality.core.models import AuditEvent
from quality.core.permissions import can
from quality.documents.models import (
    Acknowledgement,
    ChangeRequest,
    Document,
    RecordEntry,
    RecordSeries,
    Revision,
    RevisionFile,
)


class Capability(BasePermission):
    """`permission_classes = [Capability.of("documents.view")]`."""

    capability = "documents.view"
    message = "Vai trò của bạn không được thực hiện thao tác này."

    @classmethod
    def of(cls, capability: str):
        return type(f"Can_{capability.replace('.', '_')}", (cls,), {"capability": capability})

    def has_permission(self, request, view):
        return can(request.user, self.capability)


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
