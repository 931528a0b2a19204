"""Reads for the documents area. Lists use a fixed number of queries whatever their length."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from quality.core.models import AuditEvent
from quality.core.permissions import can
from quality.documents.models import (
    Acknowledgement,
    Document,
    DocumentStatus,
    LegalStatus,
    RecordSeries,
    Revision,
    RevisionFile,
    RevisionStatus,
)
from quality.documents.services.search import document_search

# The register's default: what is usable now. Out-of-force documents only when asked for.
ACTIVE_STATUSES = (DocumentStatus.DRAFT, DocumentStatus.IN_FORCE)


def document_register(
    *,
    q: str = "",
    doc_type: str = "",
    unit_id=None,
    status: str = "",
    include_out_of_force: bool = False,
) -> QuerySet:
    # What the register shows: the unit and the issued revision. The latest revision is only
    # given by id, and the search vector is only searched, never shown.
    documents = Document.objects.select_related("unit", "current_revision").defer(
        "search_vector", "current_revision__body"
    )
    if status == "out_of_force":
        documents = documents.filter(
            Q(status=DocumentStatus.WITHDRAWN)
            | Q(legal_status__in=[LegalStatus.EXPIRED, LegalStatus.REPLACED])
        )
    elif status == "review_due":
        documents = documents.filter(
            status=DocumentStatus.IN_FORCE, next_review_on__lte=timezone.localdate()
        )
    elif status:
        documents = documents.filter(status=status)
    elif not include_out_of_force:
        documents = documents.filter(status__in=ACTIVE_STATUSES).exclude(
            legal_status__in=[LegalStatus.EXPIRED, LegalStatus.REPLACED]
        )
    if doc_type:
        documents = documents.filter(doc_type=doc_type)
    if unit_id:
        documents = documents.filter(unit_id=unit_id)
    if q.strip():
        return document_search(documents, q)
    return documents.order_by("doc_type", "code")


def document_detail(pk: int) -> Document:
    return Document.objects.select_related(
        "unit", "current_revision__approved_by", "latest_revision", "replaced_by", "created_by"
    ).get(pk=pk)


def document_revisions(document: Document) -> QuerySet:
    return (
        document.revisions.select_related(
            "drafted_by", "reviewed_by", "approved_by", "reviewer", "change_request"
        )
        .prefetch_related(
            Prefetch(
                "files",
                queryset=RevisionFile.objects.select_related("uploaded_by", "verification"),
            ),
            "notes__author",
        )
        .order_by("-number")
    )


def document_audit_trail(document: Document) -> QuerySet:
    return AuditEvent.objects.filter(
        Q(subject_type="document", subject_id=str(document.pk))
        | Q(parent_type="document", parent_id=str(document.pk))
    ).order_by("-at", "-id")


def acknowledgement_status(revision: Revision) -> QuerySet:
    return revision.acknowledgements.select_related("user").order_by(
        "acknowledged_at", "user__full_name"
    )


def my_pending_acknowledgements(user) -> QuerySet:
    return (
        Acknowledgement.objects.filter(
            user=user, acknowledged_at__isnull=True, revision__status=RevisionStatus.ISSUED
        )
        .select_related("revision__document")
        .order_by("-distributed_at")
    )


def review_inbox(user) -> dict[str, QuerySet]:
    """What waits for this person: reviews assigned or open to them, approvals."""

    base = Revision.objects.select_related("document", "drafted_by", "reviewer", "reviewed_by")
    under_review = base.filter(status=RevisionStatus.UNDER_REVIEW).order_by("submitted_at")
    to_review = under_review.filter(reviewed_by__isnull=True)
    if not can(user, "documents.approve"):
        to_review = (
            to_review.filter(Q(reviewer=user) | Q(reviewer__isnull=True))
            if can(user, "documents.review")
            else to_review.filter(reviewer=user)
        )
    return {
        "to_review": to_review,
        "to_approve": under_review.filter(reviewed_by__isnull=False)
        if can(user, "documents.approve")
        else under_review.none(),
        "my_drafts": base.filter(drafted_by=user, status=RevisionStatus.DRAFT).order_by(
            "-drafted_at"
        ),
    }


def record_register(year: int) -> QuerySet:
    return (
        RecordSeries.objects.filter(year=year)
        .select_related("procedure", "keeper_unit")
        .annotate(entry_count=Count("entries"), disposed_count=Count("entries__disposal"))
        .order_by("procedure__code", "name")
    )
