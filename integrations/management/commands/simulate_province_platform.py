"""The province's integration platform, simulated (integrations/exchange/simulator.py).

    manage.py simulate_province_platform --agency sokhcn --send-legal-text [--sequence 12]
        [--replaces DOCUMENT_ID] [--base-url http://127.0.0.1:8000] [--trust-demo-root]
    manage.py simulate_province_platform --serve --port 8765 --client-id eiso-demo
        --secret-file .data/lgsp.secret [--token-lifetime 3600]

The first sends a legal text of the provincial People's Committee (its PDF signed with a demo
key kept under .data/exchange-demo-pki) to the agency's inbound endpoint, in-process through
Django's full stack or over HTTP; `--trust-demo-root` (DEBUG only) puts the demo CA on the
province trust list so that its signature verifies. The second runs the platform's HTTP
server on 127.0.0.1 (OAuth2 tokens, packages in, status messages back).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import urllib.error
import urllib.request

from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_tenants.utils import schema_context

from integrations.exchange import edxml, simulator
from integrations.management.commands.simulate_one_stop_shop import _simulator_key
from integrations.services.keys import signed_headers
from iso_platform.accounts.models import Role, User
from iso_platform.signing.services import trust_anchor_add
from tenants.models import Agency

PATH = "/api/v1/integrations/exchange/messages"
SUBJECT = "Về việc ban hành Quy định quản lý hoạt động khoa học và công nghệ trên địa bàn tỉnh"


class Command(BaseCommand):
    help = "Simulate the province's integration platform: send a signed legal text, or serve."

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="agency code (to send to)")
        parser.add_argument("--send-legal-text", action="store_true")
        parser.add_argument("--sequence", type=int, default=12)
        parser.add_argument("--subject", default=SUBJECT)
        parser.add_argument("--replaces", action="append", default=[])
        parser.add_argument("--base-url", default=None)
        parser.add_argument("--trust-demo-root", action="store_true")
        parser.add_argument("--serve", action="store_true")
        parser.add_argument("--port", type=int)
        parser.add_argument("--client-id")
        parser.add_argument("--secret-file")
        parser.add_argument("--token-lifetime", type=int, default=simulator.DEFAULT_TOKEN_LIFETIME)

    def handle(self, *args, **options):
        if options["serve"]:
            simulator.main(
                [
                    f"--port={options['port']}",
                    f"--client-id={options['client_id']}",
                    f"--secret-file={options['secret_file']}",
                    f"--token-lifetime={options['token_lifetime']}",
                ]
            )
            return
        if not (options["send_legal_text"] and options["agency"]):
            raise CommandError("use --agency CODE --send-legal-text, or --serve")
        answer = self._send(options)
        self.stdout.write(f"{answer.get('status')}: {answer.get('reason') or answer}")

    def _send(self, options) -> dict:
        target = Agency.objects.filter(code=options["agency"]).first()
        if target is None or target.is_public or not target.identifier:
            raise CommandError(f"no agency {options['agency']!r} with a national identifier")
        signer, root = simulator.demo_signer(settings.BASE_DIR / ".data" / "exchange-demo-pki")
        if options["trust_demo_root"]:
            _trust(root)
        package = simulator.legal_text_package(
            signer=signer,
            recipient=edxml.Party(target.identifier, target.name),
            sequence=options["sequence"],
            on=timezone.localdate() - dt.timedelta(days=3),
            subject=options["subject"],
            replaces=options["replaces"],
        )
        with schema_context(target.schema_name):
            key_id, secret = _simulator_key()
        return _post(target, edxml.write_package(package), key_id, secret, options["base_url"])


def _trust(root) -> None:
    if not settings.DEBUG:
        raise CommandError("--trust-demo-root is for the demo (DEBUG) only")
    # The trust list and the province's administrators live in the public schema, whatever
    # schema the caller left the connection on (an agency's has users but none of the province).
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        admin = User.objects.filter(role=Role.PROVINCE_ADMIN, is_active=True).order_by("pk").first()
        if admin is None:
            raise CommandError("--trust-demo-root needs an active province administrator")
        with contextlib.suppress(ValidationError):  # already trusted
            trust_anchor_add(
                actor=admin, data=root.public_bytes(Encoding.PEM), note="Bản trình diễn"
            )


def _post(target, body: bytes, key_id: str, secret: str, base_url: str | None) -> dict:
    headers = signed_headers(key_id, secret, body, method="POST", path=PATH)
    if base_url:
        request = urllib.request.Request(  # noqa: S310 - the operator's own server URL
            base_url.rstrip("/") + PATH,
            data=body,
            method="POST",
            headers={**headers, "Host": target.host, "Content-Type": "application/xml"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return json.loads(exc.read() or b"{}")
    # Imported here, as the one-stop-shop simulator does: the test client is for in-process runs.
    from django.test import Client

    # The tenant middleware switches the connection to the agency and never switches it back:
    # the context puts the caller's schema back afterwards.
    with schema_context(target.schema_name):
        response = Client(HTTP_HOST=target.host).post(
            PATH,
            data=body,
            content_type="application/xml",
            **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
        )
    return response.json()
