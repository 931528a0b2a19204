"""`manage.py check` warns while the invoice seller's details are missing (the invoice run
would refuse, billing/services/seller.py)."""

from __future__ import annotations

from django.core import checks

from billing.services.seller import seller_missing


def seller_settings(app_configs=None, **kwargs):

    missing = seller_missing()
    if not missing:
        return []
    return [
        checks.Warning(
            "The invoice seller's details are not set: " + ", ".join(missing) + ".",
            hint="Set them before the first invoice run (docs/configuration.md); "
            "until then the run refuses to issue invoices.",
            id="billing.W001",
        )
    ]
