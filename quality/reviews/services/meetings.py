"""Management reviews (clause 9.3): the meeting, its inputs compiled, its minutes held."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quality.core.reports import official_document
from quality.core.services import audit_record, outgoing_number_allocate
from quality.core.signatures.services import (
    SigningSecrets,
    official_sign,
    records_signature_failures,
)
from quality.reviews.models import (
    ManagementReview,
    ReviewItem,
    ReviewStatus,
)
from quality.reviews.services.common import (
    MSG_DATES,
    MSG_HELD,
    MSG_NO_CONCLUSIONS,
    MSG_NO_INPUTS,
    _require,
)
from quality.reviews.services.inputs import MINUTES_KIND, compile_inputs, minutes_report


def review_item_add(*, source: str, source_id: str, title: str) -> None:
    """Queue an item for the next review (once per source)."""
    ReviewItem.objects.get_or_create(
        source=source, source_id=source_id, defaults={"title": title[:500]}
    )


@transaction.atomic
def review_create(
    *,
    actor,
    title: str,
    meeting_on: dt.date,
    chair,
    period_start: dt.date,
    period_end: dt.date,
    participants: str = "",
) -> ManagementReview:
    _require(actor)
    if period_end < period_start:
        raise ValidationError({"period_end": _(MSG_DATES)})
    review = ManagementReview.objects.create(
        title=title.strip(),
        meeting_on=meeting_on,
        chair=chair,
        participants=participants.strip(),
        period_start=period_start,
        period_end=period_end,
    )
    audit_record(
        actor=actor,
        action="create",
        subject=review,
        changes={"title": review.title, "meeting_on": meeting_on},
    )
    return review


@transaction.atomic
def review_compile_inputs(*, actor, review: ManagementReview) -> ManagementReview:
    """Compile every input ISO 9001:2015 9.3.2 asks for, from the agency's own data."""
    _require(actor)
    review = ManagementReview.objects.select_for_update().get(pk=review.pk)
    if review.status == ReviewStatus.HELD:
        raise ValidationError(_(MSG_HELD))
    review.inputs = compile_inputs(review)
    review.inputs_compiled_at = timezone.now()
    review.save(update_fields=["inputs", "inputs_compiled_at"])
    ReviewItem.objects.filter(review__isnull=True).update(review=review)
    audit_record(
        actor=actor,
        action="review_compile",
        subject=review,
        changes={"sections": len(review.inputs.get("sections", []))},
    )
    return review


@records_signature_failures
@transaction.atomic
def review_hold(
    *,
    actor,
    review: ManagementReview,
    conclusions: str,
    commentary: str = "",
    resources: str = "",
    signing: SigningSecrets | None = None,
) -> ManagementReview:
    """Record the meeting. Refused without compiled inputs or without conclusions. The
    numbered minutes are signed by `actor` (and the agency) when `actor` has a signing
    credential, in this transaction."""
    _require(actor)
    review = ManagementReview.objects.select_for_update().get(pk=review.pk)
    if review.status == ReviewStatus.HELD:
        raise ValidationError(_(MSG_HELD))
    if not review.inputs_compiled_at:
        raise ValidationError(_(MSG_NO_INPUTS))
    if not (conclusions or "").strip():
        raise ValidationError({"conclusions": _(MSG_NO_CONCLUSIONS)})
    review.status, review.held_at = ReviewStatus.HELD, timezone.now()
    review.conclusions, review.commentary = conclusions.strip(), commentary.strip()
    review.resources = resources.strip() or review.resources
    review.save(update_fields=["status", "held_at", "conclusions", "commentary", "resources"])
    number = outgoing_number_allocate(
        kind=MINUTES_KIND, on=timezone.localdate(), subject=review, summary=review.title
    )
    audit_record(
        actor=actor,
        action="review_hold",
        subject=review,
        changes={"conclusions": review.conclusions, "number": number},
    )
    official_sign(
        actor=actor,
        subject=review,
        kind=MINUTES_KIND,
        document=official_document(minutes_report(review)),
        reason=review.title,
        secrets=signing,
    )
    return review
