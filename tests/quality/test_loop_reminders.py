"""Daily reminders of the improvement loop: once each, in-app and by e-mail, from beat."""

import datetime as dt

from django.utils import timezone

from eiso.celery import app
from eiso.testing.loop import make_loop
from quality.core.models import Notification
from quality.improvement.models import Action, NcStatus, Nonconformity
from quality.improvement.reminders import reminders_send
from quality.improvement.tasks import reminders_all


def test_due_soon_overdue_and_escalated_each_come_once(in_a, mailoutbox):
    w = in_a
    loop = make_loop(w.owner_a, w.member_a, w.leader_a)
    today = timezone.localdate()
    Action.objects.filter(pk=loop.action.pk).update(due_on=today + dt.timedelta(days=2))
    reminders_send(today=today)
    reminders_send(today=today)
    soon = Notification.objects.filter(user=w.member_a, key__contains=":due:")
    assert soon.count() == 1 and "Sắp đến hạn" in soon.get().title
    # Four days after the due date: level 1 (owner and ISO secretary), e-mailed once.
    reminders_send(today=today + dt.timedelta(days=6))
    reminders_send(today=today + dt.timedelta(days=6))
    level1 = Notification.objects.filter(key=f"action:{loop.action.pk}:escalate:1")
    assert set(level1.values_list("user__email", flat=True)) == {
        "member@alpha.test",
        "owner@alpha.test",
    }
    # More than a week late: the leader hears of it too.
    reminders_send(today=today + dt.timedelta(days=12))
    level2 = Notification.objects.filter(key=f"action:{loop.action.pk}:escalate:2")
    assert "leader@alpha.test" in set(level2.values_list("user__email", flat=True))
    assert Action.objects.get(pk=loop.action.pk).escalation_level == 2
    sent = [(m.to[0], m.subject) for m in mailoutbox]
    assert len(sent) == len(set(sent))  # nothing e-mailed twice
    assert any(to == "leader@alpha.test" and "quá hạn" in subject for to, subject in sent)


def test_an_effectiveness_check_that_is_due_is_reminded(in_a, mailoutbox):
    w = in_a
    loop = make_loop(w.owner_a, w.member_a, w.leader_a)
    today = timezone.localdate()
    Nonconformity.objects.filter(pk=loop.nc.pk).update(
        status=NcStatus.VERIFYING, verification_due_on=today
    )
    assert reminders_send(today=today)["notifications"] >= 2
    assert Notification.objects.filter(
        user=w.owner_a, key=f"nc:{loop.nc.pk}:verify:{today:%Y%m%d}"
    ).exists()


def test_beat_fans_out_to_every_active_agency(world, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "quality.improvement.tasks.reminders_for_agency.apply_async",
        lambda args=(), headers=None: sent.append(headers["_schema_name"]),
    )
    assert reminders_all() == len(sent)
    assert {"ag_alpha", "ag_beta"} <= set(sent) and "public" not in sent
    assert app.conf.beat_schedule["improvement-reminders"]["task"] == "improvement.reminders_all"


def test_an_action_first_seen_long_overdue_is_one_notice_per_person_and_day(in_a):
    w = in_a
    loop = make_loop(w.owner_a, w.member_a, w.leader_a)
    today = timezone.localdate()
    Action.objects.filter(pk=loop.action.pk).update(due_on=today - dt.timedelta(days=12))
    reminders_send(today=today)
    reminders_send(today=today)  # beat may run twice in a day (a retry, a second worker)
    reminders_send(today=today + dt.timedelta(days=1))
    notices = Notification.objects.filter(key__startswith=f"action:{loop.action.pk}:escalate:")
    per_person = {}
    for email in notices.values_list("user__email", flat=True):
        per_person[email] = per_person.get(email, 0) + 1
    # the secretary is on both levels, and used to get the same "quá hạn" notice twice
    assert per_person == {
        "owner@alpha.test": 1,
        "member@alpha.test": 1,
        "leader@alpha.test": 1,
    }
