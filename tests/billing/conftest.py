"""Billing fixtures: three plans (a free pilot, a basic and an advanced plan)."""

from __future__ import annotations

import datetime as dt

import pytest

from billing.models import GIB
from billing.services import plans as plan_svc

D = dt.date

# The seller printed on invoices: the invoice run refuses without it (billing/services/seller.py).
SELLER = {
    "name": "Trung tâm Chuyển đổi số tỉnh An Giang",
    "tax_code": "1600123456",
    "address": "Số 1 Đường Tôn Đức Thắng, Long Xuyên, An Giang",
    "bank_account": "3713.0.1234567 tại Kho bạc Nhà nước An Giang",
}


@pytest.fixture(autouse=True)
def invoice_seller(settings):
    settings.BILLING_SELLER = dict(SELLER)
    return settings.BILLING_SELLER


BASIC = dict(
    monthly_price=1_500_000,
    included_users=10,
    included_storage_bytes=2 * GIB,
    included_applications=500,
    price_extra_user=40_000,
    price_extra_gb=20_000,
    price_extra_100_applications=100_000,
    vat_permille=100,
)
ADVANCED = dict(
    monthly_price=2_750_000,
    included_users=20,
    included_storage_bytes=5 * GIB,
    included_applications=1_000,
    price_extra_user=50_000,
    price_extra_gb=20_000,
    price_extra_100_applications=100_000,
    vat_permille=100,
)


def make_plans(by=None):
    start = D(2026, 1, 1)
    plan_svc.plan_create(
        code="thu-nghiem",
        name="Dùng thử",
        is_pilot=True,
        effective_from=start,
        monthly_price=0,
        included_users=50,
        included_storage_bytes=10 * GIB,
        included_applications=10_000,
        pilot_days=30,
        by=by,
    )
    plan_svc.plan_create(code="co-ban", name="Cơ bản", effective_from=start, by=by, **BASIC)
    plan_svc.plan_create(code="nang-cao", name="Nâng cao", effective_from=start, by=by, **ADVANCED)


@pytest.fixture
def plans(world):
    make_plans(world.province_admin)
    return world
