"""Distribution of issued documents and read acknowledgements (awareness, clause 7.3)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform.accounts.models import User
from quality.core.permissions import can
from quality.core.services import audit_record, notify_once
from quality.documents.models import Acknowledgement, Distribution, Revision, RevisionStatus

MSG_NOT_ISSUED = gettext_noop("Chỉ phân phối được tài liệu đang hiệu lực.")
MSG_NO_RECIPIENT = gettext_noop("Cần chọn ít nhất một đơn vị hoặc một người nhận.")
MSG_NOT_RECIPIENT = gettext_noop("Tài liệu này không được phân phối cho bạn.")


@transaction.atomic
def revision_distribute(*, actor, revision: Revision, units=(), users=()) -> int:
    """Send an issued revision to units (all their members) and people; return new readers."""
    if not can(actor, "documents.manage"):
        raise PermissionDenied("documents.manage")
    revision = Revision.objects.select_for_update().select_related("document").get(pk=revision.pk)
    if revision.status != RevisionStatus.ISSUED:
        raise ValidationError(_(MSG_NOT_ISSUED))
    units, users = list(units), list(users)
    if not units and not users:
        raise ValidationError(_(MSG_NO_RECIPIENT))
    Distribution.objects.bulk_create(
        [Distribution(revision=revision, unit=u, by=actor) for u in units]
        + [Distribution(revision=revision, user=u, by=actor) for u in users]
    )
    added = _add_readers(revision, _recipients(units, users))
    audit_record(
        actor=actor,
        action="distribute",
        subject=revision,
        parent=revision.document,
        changes={
            "units": [str(u) for u in units],
            "people": [u.email for u in users],
            "new_readers": added,
        },
    )
    return added


def _recipients(units, users) -> set[int]:
    ids = {u.pk for u in users}
    ids |= set(User.objects.filter(units__in=units).values_list("pk", flat=True))
    return set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))


def _add_readers(revision: Revision, user_ids: set[int]) -> int:
    existing = set(revision.acknowledgements.values_list("user_id", flat=True))
    new = sorted(user_ids - existing)
    Acknowledgement.objects.bulk_create(
        [Acknowledgement(revision=revision, user_id=uid) for uid in new]
    )
    document = revision.document
    for person in User.objects.filter(pk__in=new):
        notify_once(
            user=person,
            key=f"ack:{revision.pk}",
            title=_("Tài liệu mới cần đọc: %(code)s") % {"code": document.code},
            body=document.title,
            url=f"/documents/{document.pk}/",
        )
    return len(new)


def distribution_carry_over(*, actor, source: Revision, target: Revision) -> int:
    """A new revision goes to everyone the previous one went to (called inside the issue)."""
    rows = list(source.distributions.all())
    Distribution.objects.bulk_create(
        [
            Distribution(revision=target, unit_id=d.unit_id, user_id=d.user_id, by=actor)
            for d in rows
        ]
    )
    units = [d.unit for d in rows if d.unit_id]
    users = [d.user for d in rows if d.user_id]
    return _add_readers(target, _recipients(units, users)) if rows else 0


@transaction.atomic
def acknowledgement_confirm(*, actor, acknowledgement: Acknowledgement) -> Acknowledgement:
    ack = (
        Acknowledgement.objects.select_for_update()
        .select_related("revision")
        .get(pk=acknowledgement.pk)
    )
    if ack.user_id != actor.pk:
        raise PermissionDenied(_(MSG_NOT_RECIPIENT))
    if ack.acknowledged_at is None:
        ack.acknowledged_at = timezone.now()
        ack.save(update_fields=["acknowledged_at"])
        audit_record(
            actor=actor, action="acknowledge", subject=ack.revision, parent=ack.revision.document
        )
    return ack
