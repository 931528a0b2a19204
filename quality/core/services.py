"""Writes shared by every QMS area: the audit trail and notifications."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from iso_platform.audit import jsonable, person_label
from iso_platform.official import DOCUMENT_KINDS, number_format
from quality.core.editions import catalogue
from quality.core.models import (
    AgencySettings,
    AuditEvent,
    Notification,
    OutgoingCounter,
    OutgoingDocument,
)
from quality.core.official import official_issuer, outgoing_entry
from quality.core.permissions import can

MSG_EDITION_UNKNOWN = gettext_noop(
    "Không có phiên bản tiêu chuẩn “%(iso_edition)s” trong danh mục."
)

logger = logging.getLogger(__name__)


def audit_record(
    *,
    actor,
    action: str,
    subject,
    parent=None,
    changes: dict | None = None,
    subject_type: str | None = None,
) -> AuditEvent:
    """Append one row to the audit trail, in the caller's transaction."""
    return AuditEvent.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor_label=person_label(actor),
        action=action,
        subject_type=subject_type or subject._meta.model_name,
        subject_id=str(subject.pk),
        subject_label=str(subject)[:300],
        parent_type=parent._meta.model_name if parent is not None else "",
        parent_id=str(parent.pk) if parent is not None else "",
        changes=jsonable(changes or {}),
    )


def changes_between(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def notify_once(
    *, user, key: str, title: str, body: str = "", url: str = ""
) -> Notification | None:
    """Create the notification unless this person already had one with this key."""
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user, key=key[:200], title=title[:300], body=body, url=url
            )
    except IntegrityError:
        return None


def notifications_email(key_pattern: str) -> int:
    """E-mail the notifications whose key matches, once each (`emailed_at`); a failed
    send is retried on the next run. Runs inside one agency's schema."""
    from django.core.mail import send_mail
    from django.db import connection

    agency = getattr(connection, "tenant", None)
    base = agency.url.rstrip("/") if agency is not None and hasattr(agency, "url") else ""
    sent = 0
    pending = Notification.objects.filter(
        emailed_at__isnull=True, user__is_active=True, key__regex=key_pattern
    ).select_related("user")
    for notice in pending:
        try:
            send_mail(
                subject=f"[eISO] {notice.title}",
                message=f"{notice.body}\n\n{base}{notice.url}\n",
                from_email=None,
                recipient_list=[notice.user.email],
            )
        except OSError:
            logger.exception("reminder e-mail to %s failed; retried next run", notice.user.email)
            continue
        Notification.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


UNKNOWN_DOCUMENT_KIND = _("Loại văn bản không có trong danh mục của Nghị định 30/2020/NĐ-CP.")


def outgoing_number_allocate(*, kind: str, on: dt.date, subject=None, summary: str = "") -> str:
    """The next number of the register of outgoing documents for `kind` in `on`'s year,
    written as on the document ('12/BC-SKHCN'), and its line in the register.

    Call it inside the transaction that issues the document: the counter row stays locked
    until that transaction ends, so two issues never share a number, and one that rolls back
    takes its number back with it (no gaps). A subject already numbered keeps its number."""
    if kind not in DOCUMENT_KINDS:
        raise ValidationError(UNKNOWN_DOCUMENT_KIND, code="kind")
    issuer = official_issuer().abbreviation
    with transaction.atomic():
        if subject is not None and (entry := outgoing_entry(subject=subject, kind=kind)):
            return entry.number
        OutgoingCounter.objects.bulk_create(
            [OutgoingCounter(year=on.year, kind=kind)], ignore_conflicts=True
        )
        counter = OutgoingCounter.objects.select_for_update().get(year=on.year, kind=kind)
        counter.last += 1
        counter.save(update_fields=["last"])
        number = number_format(sequence=counter.last, kind=kind, abbreviation=issuer)
        OutgoingDocument.objects.create(
            year=on.year,
            kind=kind,
            issuer=issuer,
            sequence=counter.last,
            number=number,
            issued_on=on,
            subject_type=subject._meta.model_name if subject is not None else "",
            subject_id=str(subject.pk) if subject is not None else "",
            summary=summary[:500],
        )
    return number


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def agency_settings_update(*, actor, **fields):
    """Change the agency's own QMS settings (agency administrators, leader, ISO secretary)."""
    from django.core.exceptions import PermissionDenied

    if not can(actor, "settings.manage"):
        raise PermissionDenied("settings.manage")
    with transaction.atomic():
        config = AgencySettings.objects.select_for_update().get(pk=AgencySettings.load().pk)
        before = {k: getattr(config, k) for k in fields}
        if "iso_edition" in fields and fields["iso_edition"] not in catalogue():
            raise ValidationError({"iso_edition": _(MSG_EDITION_UNKNOWN) % fields})
        for check in _settings_checks.values():
            check(fields)
        for name, value in fields.items():
            setattr(config, name, value)
        config.full_clean()
        config.save()
        audit_record(
            actor=actor, action="settings", subject=config, changes=changes_between(before, fields)
        )
    return config


# Checks an area runs before the agency's settings change (a smaller risk matrix must still
# hold the open risks): `check(fields)` raises ValidationError to refuse. Registered in the
# areas' AppConfig.ready; the core knows none of them.
_settings_checks: dict[str, Callable[[dict], None]] = {}


def settings_check_register(name: str, check: Callable[[dict], None]) -> None:
    _settings_checks[name] = check


def unit_save(*, actor, form) -> Unit:  # noqa: F821 - the model is imported lazily
    """Create or edit a unit from a bound, valid UnitForm."""
    from django.core.exceptions import PermissionDenied

    if not can(actor, "settings.manage"):
        raise PermissionDenied("settings.manage")
    with transaction.atomic():
        creating = form.instance.pk is None
        unit = form.save()
        audit_record(
            actor=actor,
            action="create" if creating else "edit",
            subject=unit,
            changes={
                "code": unit.code,
                "name": unit.name,
                "members": sorted(unit.members.values_list("email", flat=True)),
            },
        )
    return unit
