"""Agency content for the life-cycle tests: one of everything, made through the services,
with deliberate collisions between two agencies (codes, e-mail, years)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from unittest import mock

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from iso_platform import outbound
from iso_platform.accounts.models import Role, User
from iso_platform.signing.keys import pkcs12_encrypt
from quality.core.models import SigningCredential, Unit

SHARED_EMAIL = "chung@tinh.test"  # one person working for both agencies
SHARED_UNIT = "VP"  # both agencies have a "Văn phòng"
SHARED_DOCUMENT = "QT.CHUNG.01"
SHARED_PROCEDURE = "1.000001"
SHARED_APPLICATION = "HS-001"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass
class Content:
    owner: User
    member: User
    leader: User
    shared: User
    unit: Unit
    document_id: int
    revision_id: int
    procedure_id: int
    application_ids: list[int]
    loop: object
    file_name: str


def fill(agency, owner, prefix: str, *, with_file: bool = True) -> Content:
    """Fill `agency` (its schema) with content; `owner` is its ISO secretary."""
    from eiso.testing.loop import make_loop
    from eiso.testing.procedures import event, make_procedure
    from integrations.services.apply import inbox_apply_pending
    from integrations.services.ingest import events_ingest
    from quality.documents.services import documents as docs
    from quality.documents.services.files import revision_file_add

    low = prefix.lower()
    with schema_context(agency.schema_name):
        member = User.objects.create_user(
            f"staff@{low}.test", "x" * 12, full_name=f"Chuyên Viên {prefix}", role=Role.STAFF
        )
        leader = User.objects.create_user(
            f"boss@{low}.test", "x" * 12, full_name=f"Lãnh Đạo {prefix}", role=Role.AGENCY_LEADER
        )
        shared = User.objects.create_user(
            SHARED_EMAIL, f"pw-{low}-" + "y" * 8, full_name=f"Người Chung ({prefix})"
        )
        unit = Unit.objects.create(code=SHARED_UNIT, name=f"Văn phòng {prefix}", head=leader)
        unit.members.add(member, shared)
        document = docs.document_create(
            actor=member,
            doc_type="system_procedure",
            code=SHARED_DOCUMENT,
            title=f"Quy trình chung của {prefix}",
            body="Nội dung",
            unit=unit,
        )
        revision = document.latest_revision
        file_name = ""
        if with_file:
            from django.core.files.uploadedfile import SimpleUploadedFile

            record = revision_file_add(
                actor=member,
                revision=revision,
                upload=SimpleUploadedFile(f"so-do-{low}.png", PNG),
            )
            file_name = record.file.name
        procedure = make_procedure(owner, code=SHARED_PROCEDURE)
        procedure.document = document
        procedure.save(update_fields=["document"])
        received = dict(procedure_code=SHARED_PROCEDURE, channel="desk", to_unit="Một cửa")
        events_ingest(
            items=[
                event(
                    f"{low}-e1", "received", "2026-03-09 09:15", app=SHARED_APPLICATION, **received
                ),
                event(f"{low}-e2", "completed", "2026-03-20 10:00", app=SHARED_APPLICATION),
                event(f"{low}-e3", "received", "2026-03-10 09:15", app=f"{prefix}-002", **received),
            ],
            key=None,
        )
        inbox_apply_pending()
        loop = make_loop(owner, member, leader, prefix=prefix)
        from quality.procedures.models import Application

        return Content(
            owner=owner,
            member=member,
            leader=leader,
            shared=shared,
            unit=unit,
            document_id=document.pk,
            revision_id=revision.pk,
            procedure_id=procedure.pk,
            application_ids=list(Application.objects.order_by("pk").values_list("pk", flat=True)),
            loop=loop,
            file_name=file_name,
        )


def snapshot(schema: str, *, arrived: bool = False) -> dict[str, str]:
    """table -> digest of all its rows (ordered by primary key): equal means identical.

    `arrived`: compare what an archive carries (credentials.py): credential tables are left
    out, and secret columns (and what changes with them on arrival) count as NULL."""
    from tenants.services.datamove.catalog import catalog
    from tenants.services.datamove.engine.common import q, qt

    result = {}
    with connection.cursor() as cur:
        for table in catalog().values():
            if arrived and table.excluded:
                continue
            cur.execute(
                "SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n' "
                f"ORDER BY t.{q(table.pk)}), '') "
                f"FROM (SELECT {_columns(table, arrived)} FROM {qt(schema, table.name)}) t"
            )
            result[table.name] = hashlib.sha256(cur.fetchone()[0].encode()).hexdigest()
    return result


def _columns(table, arrived: bool) -> str:
    from tenants.services.datamove.engine.common import q

    blanked = arrival_columns(table.name) if arrived else set()
    return ", ".join(f"NULL AS {q(c)}" if c in blanked else q(c) for c in table.columns)


def arrival_columns(table: str) -> set[str]:
    """Columns an import or a restore does not bring back as they were."""
    from tenants.services.datamove.credentials import ON_ARRIVAL, SECRET_COLUMNS

    return {c for (t, c) in (*SECRET_COLUMNS, *ON_ARRIVAL) if t == table}


def add_credentials(schema: str, user: User) -> set[str]:
    """Give `user` of `schema` one of every credential an agency schema can hold (a TOTP
    device, recovery codes, an API token, an invitation, an integration key that signed an
    inbox event, a pull connector with its header, a session, sign-in records). Returns the
    stored secret values, as text and (encrypted ones) as the hex `row_to_json` writes."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from integrations.models import ApiKey, InboxEvent, PullConnector
    from integrations.services.keys import api_key_create
    from integrations.services.pull import connector_save
    from iso_platform.accounts.models import ApiToken, Invitation
    from iso_platform.accounts.services import api_token_create, invitation_for

    with schema_context(schema):
        totp = TOTPDevice.objects.create(user=user, name="điện thoại", confirmed=True)
        static = StaticDevice.objects.create(user=user, name="mã dự phòng", confirmed=True)
        code = StaticToken.objects.create(device=static, token=StaticToken.random_token())
        api_token_create(user=user, name="máy trạm")
        key, _secret = api_key_create(actor=user, name="Một cửa")
        InboxEvent.objects.filter(pk=InboxEvent.objects.order_by("pk")[:1]).update(key=key)
        # The resolver is outside the project: dvc.test stands for a public portal (the address
        # is only checked, never contacted).
        with mock.patch.object(outbound, "_resolve", lambda host, port: ["203.0.114.10"]):
            connector_save(
                actor=user, name="Cổng DVC", url="https://dvc.test/feed", authorization="Bearer x-1"
            )
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session.create()
        AccessAttempt.objects.create(
            username=user.email,
            ip_address="10.0.0.9",
            user_agent="t",
            http_accept="*/*",
            path_info="/dang-nhap/",
            post_data="password=******",
            failures_since_start=1,
        )
        AccessLog.objects.create(
            username=user.email,
            ip_address="10.0.0.9",
            user_agent="t",
            http_accept="*/*",
            path_info="/dang-nhap/",
            session_hash=hashlib.sha256(b"s").hexdigest(),
        )
        AccessFailureLog.objects.create(
            username=user.email,
            ip_address="10.0.0.9",
            user_agent="t",
            http_accept="*/*",
            path_info="/dang-nhap/",
        )
        if not Invitation.objects.filter(user=user).exists():
            invitation_for(user)
        _add_signing_credentials(user)
        values = {totp.key, code.token, session.session_key}
        values |= set(ApiToken.objects.values_list("digest", flat=True))
        values |= set(Invitation.objects.values_list("digest", flat=True))
        values |= set(AccessLog.objects.values_list("session_hash", flat=True))
        encrypted = [bytes(v) for v in ApiKey.objects.values_list("secret_encrypted", flat=True)]
        encrypted += [bytes(v) for v in PullConnector.objects.values_list("auth_header", flat=True)]
        for pkcs12, token in SigningCredential.objects.values_list(
            "pkcs12_encrypted", "remote_token_encrypted"
        ):
            encrypted += [bytes(pkcs12), bytes(token)]
        values |= {v.hex() for v in encrypted if v} | {v.decode() for v in encrypted if v}
        values |= {
            p for p in User.objects.values_list("password", flat=True) if not p.startswith("!")
        }
    connection.set_schema_to_public()
    return values


def _add_signing_credentials(user: User) -> None:
    """A person's PKCS#12 key and the agency's remote signing token, encrypted as stored (the
    bytes need not be a real key file: only where they go is checked)."""
    if SigningCredential.objects.filter(is_active=True, owner__in=[user.pk, None]).exists():
        return
    now = timezone.now()
    common = {
        "certificate_pem": "-----BEGIN CERTIFICATE-----",
        "serial": secrets.token_hex(8),
        "valid_from": now,
        "valid_until": now + dt.timedelta(days=365),
    }
    SigningCredential.objects.create(
        owner=user,
        kind="pkcs12",
        pkcs12_encrypted=pkcs12_encrypt(secrets.token_bytes(64)),
        subject_name=user.full_name,
        **common,
    )
    SigningCredential.objects.create(
        owner=None,
        kind="remote",
        remote_credential_id="cred-agency",
        remote_token_encrypted=pkcs12_encrypt(secrets.token_urlsafe(32).encode()),
        subject_name="Cơ quan",
        **common,
    )
