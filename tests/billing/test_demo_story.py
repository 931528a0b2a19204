"""The billing demo, end to end: a pilot ends and moves to a paid plan mid-month, month-end
invoicing produces the prorated invoice (computed by hand below), a second run produces
nothing, a person over the plan's limit is refused, and an overdue agency turns read-only
and back after payment."""

from __future__ import annotations

import datetime as dt
import io

from django_tenants.utils import schema_context
from pypdf import PdfReader

from billing.models import Invoice, Plan, Subscription, SubscriptionStatus
from billing.pdf import invoice_pdf
from billing.services.dunning import dunning_run
from billing.services.invoicing import invoice_pay, invoices_issue
from billing.services.seed import billing_seed, pilot_ends_process
from iso_platform.accounts.models import Role, User

D = dt.date


def test_the_demo_story(world, client_for):
    w = world
    # The province rolls out eISO: default plans, every agency on the 90-day pilot.
    billing_seed(today=D(2026, 9, 10))
    alpha = Subscription.objects.get(agency=w.agency_a)
    assert (alpha.status, alpha.pilot_end) == (SubscriptionStatus.PILOT, D(2026, 12, 8))
    alpha.after_pilot_plan = Plan.objects.get(code="co-ban")  # chosen by the province
    alpha.save()

    # The pilot ends on 08/12; the daily job moves alpha to "Cơ bản" from 09/12.
    assert pilot_ends_process(today=D(2026, 12, 9))["moved"] == 1
    alpha.refresh_from_db()
    assert alpha.status == SubscriptionStatus.ACTIVE and alpha.plan_version.plan.code == "co-ban"

    # Month-end invoicing (01/01/2027) for December.
    issued = invoices_issue(today=D(2027, 1, 1))
    [invoice] = [i for i in issued if i.agency_id == w.agency_a.pk]
    assert [i.agency_id for i in issued] == [w.agency_a.pk]  # beta is still on the free pilot
    # By hand: 1 200 000 đ × 23 days (09–31/12) / 31 = 890 322.58 → 890 323 đ;
    # VAT 10 %: 89 032.3 → 89 032 đ; total 979 355 đ.
    [line] = invoice.lines.all()
    assert (line.kind, line.amount, line.period_from, line.period_to) == (
        "proration",
        890_323,
        D(2026, 12, 9),
        D(2026, 12, 31),
    )
    assert (invoice.subtotal, invoice.vat_amount, invoice.total) == (890_323, 89_032, 979_355)
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(invoice_pdf(invoice))).pages
    )
    assert "890.323" in text and "979.355" in text

    # A second run produces nothing new.
    count = Invoice.objects.count()
    assert invoices_issue(today=D(2027, 1, 1)) == []
    assert Invoice.objects.count() == count

    # "Cơ bản" has hard limits: 15 people. The 16th is refused with a clear message.
    with schema_context(w.agency_a.schema_name):
        for n in range(15 - User.objects.filter(is_active=True).count()):
            User.objects.create_user(
                f"nv{n}@alpha.test", "x" * 12, full_name=f"Nhân viên {n}", role=Role.STAFF
            )
    owner = client_for(w.agency_a, w.owner_a)
    refused = owner.post(
        "/team/invite/",
        {"email": "thu16@alpha.test", "full_name": "Người Thứ 16", "role": Role.STAFF},
        follow=True,
    ).content.decode()
    assert "Gói “Cơ bản” cho phép tối đa 15 người dùng" in refused
    assert "gói dịch vụ lớn hơn" in refused

    # Unpaid: due 31/01/2027; on 16/02 (16 days late > 15) alpha turns read-only.
    assert invoice.due_on == D(2027, 1, 31)
    dunning_run(today=D(2027, 2, 16))
    invoice.refresh_from_db()
    assert invoice.status == "overdue"
    assert Subscription.objects.get(agency=w.agency_a).status == SubscriptionStatus.SUSPENDED
    assert owner.get("/").status_code == 200
    assert owner.post("/team/invite/", {}).status_code == 403

    # The province records the bank transfer: writable again at once.
    invoice_pay(invoice=invoice, reference="FT27047000123", by=w.province_admin)
    assert Subscription.objects.get(agency=w.agency_a).status == SubscriptionStatus.ACTIVE
    assert owner.post("/team/invite/", {}).status_code != 403
