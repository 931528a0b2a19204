"""Reminders come once: review due dates and outstanding acknowledgements, in-app and e-mail."""

import datetime

from django.utils import timezone

from quality.core.models import Notification, Unit
from quality.documents.models import Acknowledgement, Document
from quality.documents.services.distribution import revision_distribute
from quality.documents.services.reminders import reminders_send


def test_review_due_documents_are_reminded_once(flow, mailoutbox):
    document = flow.issued()
    Document.objects.filter(pk=document.pk).update(
        next_review_on=timezone.localdate() + datetime.timedelta(days=5)
    )
    first = reminders_send()
    second = reminders_send()
    assert first["notifications"] >= 1 and second == {"notifications": 0, "emails": 0}
    notice = Notification.objects.get(user=flow.w.owner_a, key__startswith="review:")
    assert "Sắp đến hạn xem xét định kỳ" in notice.title
    assert [m.to for m in mailoutbox] == [["owner@alpha.test"]]


def test_an_overdue_review_is_a_new_reminder(flow, mailoutbox):
    document = flow.issued()
    Document.objects.filter(pk=document.pk).update(
        next_review_on=timezone.localdate() + datetime.timedelta(days=5)
    )
    reminders_send()
    Document.objects.filter(pk=document.pk).update(
        next_review_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    reminders_send()
    titles = sorted(
        Notification.objects.filter(user=flow.w.owner_a).values_list("title", flat=True)
    )
    assert any(t.startswith("Quá hạn") for t in titles)


def test_outstanding_acknowledgements_are_reminded_once(flow, mailoutbox):
    unit = Unit.objects.create(code="TC", name="Phòng Tổ chức")
    unit.members.add(flow.w.reader_a)
    document = flow.issued()
    revision_distribute(actor=flow.w.owner_a, revision=document.current_revision, units=[unit])
    Acknowledgement.objects.update(distributed_at=timezone.now() - datetime.timedelta(days=9))
    reminders_send()
    reminders_send()
    reminders = Notification.objects.filter(user=flow.w.reader_a, key__startswith="ack-remind:")
    assert reminders.count() == 1
    assert sum(1 for m in mailoutbox if m.to == ["reader@alpha.test"]) == 1
