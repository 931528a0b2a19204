"""Invoice numbering with real transactions in parallel threads: no gap, no duplicate."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection

from billing.models import (
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payer,
    Plan,
    PlanVersion,
    Subscription,
    SubscriptionPeriod,
    UsageDaily,
)
from billing.services import invoicing
from billing.services import subscriptions as subs
from billing.services.invoicing import invoice_issue_for, invoices_issue
from tenants.models import Agency, AgencyEvent

from .conftest import make_plans

D = dt.date


@pytest.fixture
def billed(committed):
    """Committed plans and subscriptions for alpha (self-paying) and beta (the province);
    every billing row is removed afterwards."""
    w = committed
    make_plans()
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 9, 10))
    subs.subscription_start(
        agency=w.agency_b, plan_code="nang-cao", payer=Payer.PROVINCE, on=D(2026, 9, 1)
    )
    yield w
    connection.set_schema_to_public()
    InvoiceLine.objects.all().delete()
    Invoice.objects.exclude(credit_for=None).delete()
    Invoice.objects.all().delete()
    InvoiceCounter.objects.all().delete()
    UsageDaily.objects.all().delete()
    SubscriptionPeriod.objects.all().delete()
    Subscription.objects.all().delete()
    PlanVersion.objects.all().delete()
    Plan.objects.all().delete()
    AgencyEvent.objects.filter(action__startswith="subscription_").delete()
    Agency.objects.filter(pk__in=[w.agency_a.pk, w.agency_b.pk]).update(plan_code="")


def _run(target, results, barrier, **kwargs):
    try:
        barrier.wait()
        results.append(target(**kwargs))
    except Exception as exc:  # noqa: BLE001 - reported by the assertions
        results.append(exc)
    finally:
        connection.close()


def _parallel(*calls):
    results, barrier = [], threading.Barrier(len(calls))
    threads = [
        threading.Thread(target=_run, args=(target, results, barrier), kwargs=kwargs)
        for target, kwargs in calls
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == len(calls), results  # every thread finished
    assert not any(isinstance(r, Exception) for r in results), results
    return results


def test_four_concurrent_runs_issue_each_invoice_once(billed, monkeypatch):
    real = invoicing.month_lines

    def slow_lines(**kwargs):  # widen the window between the check and the insert
        time.sleep(0.2)
        return real(**kwargs)

    monkeypatch.setattr(invoicing, "month_lines", slow_lines)
    runs = [(invoices_issue, {"month": D(2026, 10, 1), "today": D(2026, 11, 1)})] * 4
    results = _parallel(*runs)
    assert sum(len(r) for r in results) == 2  # each payer's invoice made by exactly one run
    rows = sorted(Invoice.objects.values_list("payer_key", "period", "number"))
    assert rows == [
        (f"agency:{billed.agency_a.pk}", D(2026, 10, 1), 1),
        ("province", D(2026, 10, 1), 1),
    ]


def test_concurrent_months_for_one_payer_get_consecutive_numbers(billed):
    key = f"agency:{billed.agency_a.pk}"
    months = [D(2026, 9, 1), D(2026, 10, 1), D(2026, 11, 1)]
    calls = [
        (invoice_issue_for, {"payer_key": key, "month": month, "today": D(2026, 12, 1)})
        for month in months
        for _ in range(2)  # every month asked twice at the same moment
    ]
    results = _parallel(*calls)
    assert sum(1 for r in results if r is not None) == 3
    numbers = sorted(Invoice.objects.filter(payer_key=key).values_list("number", flat=True))
    assert numbers == [1, 2, 3]  # no gap, no duplicate
    assert InvoiceCounter.objects.get(payer_key=key, year=2026).last_number == 3
    september = Invoice.objects.get(payer_key=key, period=D(2026, 9, 1))
    assert september.subtotal == 1_050_000  # 1 500 000 × 21 / 30 (10–30/9)
