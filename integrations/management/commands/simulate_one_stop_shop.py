"""Drive the real integration API with a simulated one-stop-shop system.

    manage.py simulate_one_stop_shop --agency sokhcn --applications 300 [--days 120]
        [--base-url http://127.0.0.1:8000] [--seed 7] [--slow-share 0.15]

Without --base-url the events go in-process through Django's full stack (middleware,
tenant routing, HMAC check, inbox) and are applied at once; with it, over HTTP to a
running server, whose worker applies them.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from integrations.models import ApiKey
from integrations.services.apply import inbox_apply_pending
from integrations.services.keys import _fernet
from integrations.simulator import Sender, Simulator, shapes_of_agency
from iso_platform.workdays.calendar import get_calendar
from tenants.models import Agency

SIMULATOR_KEY_NAME = "Trình mô phỏng hệ thống một cửa"


class Command(BaseCommand):
    help = "Send realistic, signed one-stop-shop event streams to an agency's integration API."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="agency code")
        parser.add_argument("--applications", type=int, default=100)
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--base-url", default=None)
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument(
            "--slow-share",
            type=float,
            default=0.15,
            help="share of applications whose steps overrun their budgets (0 to 0.85)",
        )

    def handle(self, *args, agency, applications, days, seed, base_url, batch, **options):
        slow_share = options["slow_share"]
        if not 0 <= slow_share <= 0.85:
            raise CommandError("--slow-share must be between 0 and 0.85")
        target = Agency.objects.filter(code=agency).first()
        if target is None or target.is_public:
            raise CommandError(f"no agency with code {agency!r}")
        with schema_context(target.schema_name):
            shapes = shapes_of_agency()
            if not shapes:
                raise CommandError(
                    f"{agency} has no procedure with rules in force: import its catalogue first"
                )
            key_id, secret = _simulator_key()
            events = Simulator(
                procedures=shapes,
                calendar=get_calendar(),
                seed=seed,
                prefix=f"SIM{seed}",
                slow_share=slow_share,
            ).streams(applications, days)
        started = time.perf_counter()
        sender = Sender(
            host=target.host, key_id=key_id, secret=secret, base_url=base_url, batch=batch
        )
        counts = sender.send(events)
        elapsed = time.perf_counter() - started
        applied = 0
        if base_url is None:
            with schema_context(target.schema_name):
                applied = inbox_apply_pending()
        self.stdout.write(
            f"{applications} applications, {len(events)} events sent in {elapsed:.1f}s: "
            f"{counts['accepted']} accepted, {counts['duplicate']} duplicate, "
            f"{counts['conflict']} conflict, {counts['rejected']} rejected"
            + (f"; {applied} applied" if base_url is None else "")
        )


def _simulator_key() -> tuple[str, str]:
    """The simulator's own key in this agency (created once, secret read back from storage)."""
    import hashlib
    import secrets

    key = ApiKey.objects.filter(name=SIMULATOR_KEY_NAME, revoked_at__isnull=True).first()
    if key is None:
        secret = "eisk_" + secrets.token_urlsafe(32)
        key = ApiKey.objects.create(
            key_id="ik_" + secrets.token_hex(8),
            name=SIMULATOR_KEY_NAME,
            secret_encrypted=_fernet().encrypt(secret.encode()),
            fingerprint=hashlib.sha256(secret.encode()).hexdigest(),
        )
        return key.key_id, secret
    return key.key_id, _fernet().decrypt(bytes(key.secret_encrypted)).decode()
