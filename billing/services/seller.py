"""The seller printed on every invoice: the platform's operator (settings.BILLING_SELLER, read
from the BILLING_SELLER_* environment variables, docs/configuration.md).

An invoice without the seller's tax code, address and bank account is not a valid VAT
invoice, so the invoice run refuses while one of them is missing (`seller_require`), and
`manage.py check` warns (billing/checks.py) long before the first run.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

DEFAULT_NAME = "Đơn vị vận hành nền tảng eISO"
# key -> (environment variable, what it is for people)
REQUIRED = {
    "tax_code": ("BILLING_SELLER_TAX_CODE", gettext_lazy("mã số thuế")),
    "address": ("BILLING_SELLER_ADDRESS", gettext_lazy("địa chỉ")),
    "bank_account": ("BILLING_SELLER_BANK_ACCOUNT", gettext_lazy("số tài khoản ngân hàng")),
}
MSG_MISSING = gettext_noop(
    "Chưa lập được hoá đơn: thiếu thông tin người bán in trên hoá đơn (%(missing)s). "
    "Hãy đặt các biến môi trường này (xem docs/configuration.md) rồi chạy lại."
)


def seller() -> dict:
    configured = getattr(settings, "BILLING_SELLER", None) or {}
    found = {"name": DEFAULT_NAME, "tax_code": "", "address": "", "bank_account": ""}
    found.update({k: (v or "").strip() for k, v in configured.items() if k in found})
    found["name"] = found["name"] or DEFAULT_NAME
    return found


def seller_missing() -> list[str]:
    """The environment variables of the seller's details still empty."""
    details = seller()
    return [variable for key, (variable, _label) in REQUIRED.items() if not details[key]]


def seller_require() -> None:
    """Refuse (ValidationError, Vietnamese) while a seller detail is missing."""
    missing = seller_missing()
    if not missing:
        return
    names = ", ".join(
        f"{label} ({variable})" for variable, label in REQUIRED.values() if variable in missing
    )
    raise ValidationError(_(MSG_MISSING) % {"missing": names}, code="seller_missing")
