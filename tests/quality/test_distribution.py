"""Distribution to units and people; read acknowledgements; the ISO secretary sees who has not."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from quality.core.models import Notification, Unit
from quality.documents.selectors import acknowledgement_status, my_pending_acknowledgements
from quality.documents.services.distribution import acknowledgement_confirm, revision_distribute


@pytest.fixture
def unit(flow):
    unit = Unit.objects.create(code="TC", name="Phòng Tổ chức")
    unit.members.add(flow.w.member_a, flow.w.reader_a)
    return unit


def test_distribution_to_a_unit_and_a_person_asks_each_to_read(flow, unit):
    document = flow.issued()
    added = revision_distribute(
        actor=flow.w.owner_a,
        revision=document.current_revision,
        units=[unit],
        users=[flow.w.leader_a],
    )
    assert added == 3
    assert [a.revision.document.code for a in my_pending_acknowledgements(flow.w.reader_a)] == [
        document.code
    ]
    assert Notification.objects.filter(user=flow.w.reader_a, key__startswith="ack:").count() == 1
    ack = my_pending_acknowledgements(flow.w.reader_a).get()
    acknowledgement_confirm(actor=flow.w.reader_a, acknowledgement=ack)
    pending = [
        a.user.email
        for a in acknowledgement_status(document.current_revision)
        if a.acknowledged_at is None
    ]
    assert sorted(pending) == ["leader@alpha.test", "member@alpha.test"]


def test_nobody_acknowledges_for_someone_else(flow, unit):
    document = flow.issued()
    revision_distribute(actor=flow.w.owner_a, revision=document.current_revision, units=[unit])
    ack = my_pending_acknowledgements(flow.w.reader_a).get()
    with pytest.raises(PermissionDenied):
        acknowledgement_confirm(actor=flow.w.member_a, acknowledgement=ack)


def test_only_issued_revisions_are_distributed_by_the_secretary(flow, unit):
    draft = flow.draft().latest_revision
    with pytest.raises(ValidationError, match="đang hiệu lực"):
        revision_distribute(actor=flow.w.owner_a, revision=draft, units=[unit])
    document = flow.issued(code="QT.ISO.20")
    with pytest.raises(PermissionDenied):
        revision_distribute(actor=flow.w.member_a, revision=document.current_revision, units=[unit])
    with pytest.raises(ValidationError, match="ít nhất một"):
        revision_distribute(actor=flow.w.owner_a, revision=document.current_revision)


def test_a_new_revision_goes_to_everyone_the_old_one_went_to(flow, unit):
    document = flow.issued()
    first = document.current_revision
    revision_distribute(actor=flow.w.owner_a, revision=first, units=[unit])
    second = flow.revise(document)
    flow.issue(second)
    readers = sorted(a.user.email for a in acknowledgement_status(second))
    assert readers == ["member@alpha.test", "reader@alpha.test"]


def test_redistributing_does_not_duplicate_readers(flow, unit):
    document = flow.issued()
    revision_distribute(actor=flow.w.owner_a, revision=document.current_revision, units=[unit])
    again = revision_distribute(
        actor=flow.w.owner_a,
        revision=document.current_revision,
        units=[unit],
        users=[flow.w.member_a],
    )
    assert again == 0
