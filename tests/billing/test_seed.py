"""Default plans, a subscription for every agency (provisioning, rollout, seed), pilot end."""

from __future__ import annotations

import datetime as dt

from django.core import mail

from billing.models import Plan, Subscription, SubscriptionStatus
from billing.services import subscriptions as subs
from billing.services.seed import billing_seed, pilot_ends_process
from tenants.models import AgencyKind
from tenants.services import pool
from tenants.services.provisioning import AgencySpec, agency_provision

D = dt.date


def spec(**extra):
    return AgencySpec(
        code="sotp",
        name="Sở Tư pháp",
        kind=AgencyKind.PROVINCIAL_DEPARTMENT,
        admin_email="admin@sotp.test",
        admin_name="Quản trị",
        **extra,
    )


def test_seed_creates_the_plans_and_subscribes_every_agency_once(world):
    done = billing_seed(today=D(2026, 11, 2))
    assert set(Plan.objects.values_list("code", flat=True)) == {"dung-thu", "co-ban", "tieu-chuan"}
    pilot = Plan.objects.get(code="dung-thu").versions.get()
    assert pilot.pilot_days == 90 and pilot.monthly_price == 0 and pilot.hard_limits
    basic = Plan.objects.get(code="co-ban").versions.get()
    assert basic.monthly_price == 1_200_000 and basic.vat_permille == 100
    for agency in (world.agency_a, world.agency_b):
        subscription = Subscription.objects.get(agency=agency)
        assert subscription.status == SubscriptionStatus.PILOT
        assert subscription.pilot_end == D(2027, 1, 30)  # 90 days, both ends counted
    assert any("thuê bao alpha" in line for line in done)
    assert billing_seed(today=D(2026, 11, 3)) == []  # idempotent


def test_provisioning_starts_the_pilot_or_the_requested_plan(world):
    billing_seed()
    pool.spare_build()
    agency = agency_provision(spec=spec(), method="pool").agency
    assert Subscription.objects.get(agency=agency).plan_version.plan.code == "dung-thu"
    pool.spare_build()
    other = agency_provision(
        spec=AgencySpec(
            code="sotc",
            name="Sở Tài chính",
            kind=AgencyKind.PROVINCIAL_DEPARTMENT,
            admin_email="admin@sotc.test",
            admin_name="Quản trị",
            plan_code="tieu-chuan",
        ),
        method="pool",
    ).agency
    subscription = Subscription.objects.get(agency=other)
    assert subscription.plan_version.plan.code == "tieu-chuan"
    assert subscription.status == SubscriptionStatus.ACTIVE
    other.refresh_from_db()
    assert other.plan_code == "tieu-chuan"


def test_an_unknown_requested_plan_falls_back_to_the_pilot(world):
    billing_seed()
    pool.spare_build()
    agency = agency_provision(spec=spec(plan_code="goi-vang"), method="pool").agency
    assert Subscription.objects.get(agency=agency).plan_version.plan.code == "dung-thu"


def test_without_plans_provisioning_still_works(world):
    pool.spare_build()
    agency = agency_provision(spec=spec(), method="pool").agency
    assert not Subscription.objects.filter(agency=agency).exists()


def test_pilot_end_moves_to_the_chosen_plan_or_asks_the_province_once(
    world, django_capture_on_commit_callbacks
):
    billing_seed(today=D(2026, 8, 1))  # pilot 01/08 – 29/10/2026
    a = Subscription.objects.get(agency=world.agency_a)
    assert a.pilot_end == D(2026, 10, 29)
    a.after_pilot_plan = Plan.objects.get(code="co-ban")
    a.save()
    assert pilot_ends_process(today=D(2026, 10, 29)) == {"moved": 0, "notified": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert pilot_ends_process(today=D(2026, 10, 30)) == {"moved": 1, "notified": 1}
    a.refresh_from_db()
    assert a.status == SubscriptionStatus.ACTIVE and a.plan_version.plan.code == "co-ban"
    assert a.periods.get(valid_to=None).valid_from == D(2026, 10, 30)
    b = Subscription.objects.get(agency=world.agency_b)
    assert b.status == SubscriptionStatus.PILOT and b.pilot_notified_on == D(2026, 10, 30)
    [message] = mail.outbox
    assert "Sở Beta" in message.subject and message.to == ["quantri@tinh.test"]
    with django_capture_on_commit_callbacks(execute=True):
        assert pilot_ends_process(today=D(2026, 10, 31)) == {"moved": 0, "notified": 0}
    assert len(mail.outbox) == 1
    subs.subscription_change(agency=world.agency_b, plan_code="tieu-chuan", on=D(2026, 11, 1))
