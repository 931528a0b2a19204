"""The isolation matrix: every route of both URL confs, every method its view answers, and
every operation of both OpenAPI schemas (checked against the routes, so none escapes).

Agency routes, on agency A's host:

- (a) anonymous visitors, (b) agency B's people (its session cookie, its API token, its
  integration key) and (c) provincial users (an administrator's session, an analyst's token)
  get a sign-in redirect, 401, 403, 404 or 405: never A's data, and writes change nothing;
- (d) the read-only role is refused every write (403 or 404) and the database is unchanged;
- (e) ids of agency B's objects, asked for by A's own administrator, are not found (404):
  exactly as if the id existed nowhere, and nothing of B's is in the body.

Console routes, on the bare BASE_DOMAIN: (a) anonymous visitors and (b) agency credentials
are refused; (c) the department analyst is refused what only the provincial administrator
may do, and her writes there change nothing.

"Changed nothing" is read from PostgreSQL's per-transaction counters
(`pg_stat_xact_user_tables`): every row a request inserted, updated or deleted in any schema,
even one rolled back later. Objects are planted once for the module (one of everything in
A and in B, through the services), with known ids: A's numbered from ID_A, B's from ID_B.

A route that no rule can check is listed below with its reason; a listed name that no longer
exists fails the test, and so does a route whose URL needs a sample value nobody gave.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

ID_A = 700_001  # the first object of every kind planted in agency A
ID_B = 900_001  # ... and in agency B
GHOST = 987_654_321  # an id that exists nowhere
MARK_A = "zqmarka"  # in the titles and codes of A's planted objects
MARK_B = "zqmarkb"
MARK_P = "zqmarkp"  # in the console's planted objects
WRITES = ("post", "put", "patch", "delete")
METHODS = ("get", *WRITES)

# route name -> why anonymous visitors (and so everybody else) may open it
OPEN_ROUTES = {
    "accounts:login": "the sign-in page",
    "accounts:set_password": "the invitation link itself is the credential",
    "accounts:set_password_done": "a static confirmation",
    "set_language": "the vi/en switch",
    "api-schema": "the API description, no data (vendors build against it)",
    "api-docs": "the API description, no data",
    "survey:form": "the citizens' satisfaction survey: no sign-in by design, rate-limited",
    "metrics": "bearer token, not a session (Prometheus; 404 unless METRICS_TOKEN is set)",
    "sso:start": "single sign-on's first step, a redirect to the province's provider (404 "
    "when it is not configured)",
    "sso:callback": "the provider's answer: the state in this host's session is the "
    "credential; a refusal is recorded in the audit trail",
}
# open route name -> why it may show agency A's data to whoever holds the link
SHOWS_ITS_OWN = {
    "accounts:set_password": "the invitee's own name: the link is their credential",
}
# agency route name -> why the read-only role may write there (check d does not apply)
READ_ONLY_MAY_WRITE = {
    "accounts:logout": "signing out is everybody's",
    "accounts:security": "the person's own account",
    "accounts:password_change": "the person's own password",
    "accounts:two_factor_setup": "the person's own authenticator",
    "accounts:two_factor_code": "the person's own second sign-in step",
    "portal:notifications": "marks the person's own notifications read",
    "documents:signature_check": "checks a PDF the person brings: a read, nothing kept but "
    "the audit row of who checked it (tests/quality/test_signature_verification.py)",
    "signature-verify": "the same check as documents:signature_check, by API",
}
# agency route name -> why ids of another agency are not a question there (check e)
NOT_PER_AGENCY = {
    "agency_packs:detail": "template packs are the province's catalogue: same keys everywhere",
    "agency_packs:choose": "template packs are the province's catalogue: same keys everywhere",
    "agency_packs:adopt": "template packs are the province's catalogue: same keys everywhere",
    "agency_packs:decline": "template packs are the province's catalogue: same keys everywhere",
}
# writes that refused requests make on purpose: route name -> (tables, reason)
WRITES_BY_DESIGN = {
    "integration-event": (
        {"integrations_rejectedrequest"},
        "refused requests are kept for the vendors' support (integrations/apis.py)",
    ),
    "integration-batch": (
        {"integrations_rejectedrequest"},
        "refused requests are kept for the vendors' support (integrations/apis.py)",
    ),
    "exchange-message": (
        {"integrations_rejectedrequest"},
        "signed with the same integration keys: refusals counted as for the events "
        "(docs/api/exchange.md)",
    ),
}
# console routes the analyst may not use at all, besides the ProvinceAdminRequiredMixin views
# and the APIs with IsProvinceAdmin (found below, so a new one is checked unasked)
ADMIN_ONLY = {"metrics"}
# tables a refused request may touch without changing anything anyone sees
QUIET_TABLES = {
    "django_session",  # an anonymous or foreign session is never saved; a signed-in one may be
    "axes_accessattempt",  # sign-in attempts are logged by design (lockout)
    "axes_accesslog",
    "axes_accessfailurelog",
}


# --------------------------------------------------------------------------- the routes


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    methods: tuple[str, ...]
    view: type | None = field(compare=False, default=None)

    @property
    def params(self) -> list[str]:
        return re.findall(r"<[^>]+>", self.route)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def writes(self) -> tuple[str, ...]:
        return tuple(m for m in self.methods if m in WRITES)


def _walk(urlconf, prefix="", namespace=""):
    for entry in get_resolver(urlconf).url_patterns if isinstance(urlconf, str) else urlconf:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.callback


def _methods(callback) -> tuple[str, ...]:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:
        return ("get", "post")  # a function view: both, whatever it says it takes
    return tuple(m for m in METHODS if hasattr(view, m))


def routes(urlconf) -> list[Route]:
    found = {}
    for name, route, callback in _walk(urlconf):
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        found.setdefault((name, route), Route(name, route, _methods(callback), view))
    return sorted(found.values(), key=lambda r: (r.name, r.route))


TENANT_ROUTES = routes(settings.ROOT_URLCONF)
PUBLIC_ROUTES = routes(settings.PUBLIC_SCHEMA_URLCONF)


def _ids(found: list[Route]) -> list:
    names = [r.name for r in found]
    return [
        pytest.param(r, id=r.name if names.count(r.name) == 1 else f"{r.name}:{r.route}")
        for r in found
    ]


def _admin_only(route: Route) -> set[str]:
    """The methods of a console route the analyst may not use."""
    from iso_platform.accounts.permissions import (
        IsProvinceAdmin,
        IsProvinceAdminOrReadOnly,
        ProvinceAdminRequiredMixin,
    )

    view = route.view or object
    if route.name in ADMIN_ONLY or issubclass(view, ProvinceAdminRequiredMixin):
        return set(route.methods)
    permissions = getattr(view, "permission_classes", ())
    if any(issubclass(p, IsProvinceAdmin) for p in permissions if isinstance(p, type)):
        return set(route.methods)
    if any(issubclass(p, IsProvinceAdminOrReadOnly) for p in permissions if isinstance(p, type)):
        return set(route.writes)
    return set()


# --------------------------------------------------------------------------- planted data


@dataclass
class Planted:
    world: object
    sessions: dict  # persona -> session key (made on the persona's own host)
    tokens: dict  # persona -> API token
    vendor_b: tuple  # (key id, secret) of agency B's integration key
    samples_a: dict  # placeholder or route name -> value, for agency A's own objects
    samples_b: dict  # ... for agency B's objects (check e)
    console: dict  # placeholder or route name -> value, for console routes
    schema_a: dict = None  # the OpenAPI schema agency A's host serves


def _sequences(schema: str) -> list[tuple[str, int, bool]]:
    with connection.cursor() as cur:
        cur.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s", [schema])
        names = [row[0] for row in cur.fetchall()]
        found = []
        for name in names:
            cur.execute(f'SELECT last_value, is_called FROM "{schema}"."{name}"')
            found.append((name, *cur.fetchone()))
    return found


def _setval(schema: str, values: list[tuple[str, int, bool]]) -> None:
    with connection.cursor() as cur:
        for name, value, called in values:
            cur.execute("SELECT setval(%s, %s, %s)", [f'"{schema}"."{name}"', value, called])


def _plant_agency(*, admin, staff, leader, mark: str, ident: int, invited_email: str) -> dict:
    """One object of each kind in the current schema, the first of each numbered `ident`."""
    from eiso.testing.competence import make_training
    from eiso.testing.loop import make_loop
    from eiso.testing.procedures import event, make_procedure
    from integrations.services.apply import inbox_apply_pending
    from integrations.services.ingest import events_ingest
    from integrations.services.keys import api_key_create
    from integrations.services.pull import connector_save
    from integrations.webhooks.services import subscription_create, subscription_test
    from iso_platform.accounts.models import Role, User
    from iso_platform.accounts.services import invitation_for
    from quality.documents.models import RevisionFile
    from quality.documents.services import documents as docs
    from quality.documents.services import records
    from quality.documents.services.distribution import revision_distribute
    from quality.improvement.models import ActionEvidence

    invited = User.objects.create_user(invited_email, full_name=f"Mời {mark}", role=Role.STAFF)
    invitation = invitation_for(invited, invited_by=admin.email)
    if staff is None:
        staff = User.objects.create_user(
            f"staff.{mark}@x.test", "x" * 12, full_name=f"NV {mark}", role=Role.STAFF
        )
        leader = User.objects.create_user(
            f"lead.{mark}@x.test", "x" * 12, full_name=f"LĐ {mark}", role=Role.AGENCY_LEADER
        )
    document = docs.document_create(
        actor=staff,
        doc_type="form",
        code=f"BM.{mark}",
        title=f"Biểu mẫu {mark}",
        body=f"Nội dung biểu mẫu {mark}",
    )
    revision = document.latest_revision
    docs.revision_submit(actor=staff, revision=revision)
    docs.revision_review(actor=admin, revision=revision)
    docs.revision_approve(actor=leader, revision=revision)
    revision_distribute(actor=admin, revision=revision, users=[staff])
    docs.change_request_create(actor=staff, document=document, reason=f"Lý do {mark}")
    RevisionFile.objects.create(
        revision=revision,
        file="x",
        name=f"{mark}.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        uploaded_by=staff,
    )
    series = records.record_series_create(actor=admin, year=2020, name=f"Sổ {mark}")
    records.record_entry_add(
        actor=admin, series=series, reference=mark, dated_on=dt.date(2020, 1, 1)
    )
    make_procedure(admin)
    event_id = f"ev-{mark}"
    received = dict(procedure_code="1.000001")
    events_ingest(
        items=[event(event_id, "received", "2026-03-09 09:15", app=f"HS-{mark}", **received)],
        key=None,
    )
    inbox_apply_pending()
    key, secret = api_key_create(actor=admin, name=f"Khoá {mark}")
    with override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1:9"]):  # never fetched here
        connector_save(actor=admin, name=f"Nguồn {mark}", url="http://127.0.0.1:9/")
    with override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1:9"]):  # never sent here
        hook, _secret = subscription_create(
            actor=admin,
            name=f"Nhận {mark}",
            url="http://127.0.0.1:9/",
            event_types=["nonconformity.opened"],
        )
    subscription_test(actor=admin, subscription=hook)  # a delivery to redeliver
    loop = make_loop(admin, staff, leader, prefix=mark)
    make_training(admin, staff, prefix=mark)
    ActionEvidence.objects.create(
        action=loop.action,
        file="x",
        name=f"{mark}.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        uploaded_by=staff,
    )
    _assert_numbered(ident)
    pending = docs.document_create(
        actor=staff,
        doc_type="form",
        code=f"BM.{mark}2",
        title=f"Dự thảo {mark}",
        body=f"Nội dung dự thảo {mark}",
    )
    docs.revision_submit(actor=staff, revision=pending.latest_revision)
    under_review = {"<int:pk>": pending.pk, "<int:rev>": pending.latest_revision.pk}
    return {
        **{name: under_review for name in ("documents:review", "documents:send_back")},
        **{
            name: {"<int:pk>": pending.latest_revision.pk}
            for name in ("revision-review", "revision-send-back")
        },
        "<token>": invitation.token,
        "<str:event_id>": event_id,
        "vendor": (key.key_id, secret),
    }


def _assert_numbered(ident: int) -> None:
    """The planted objects really carry the id the routes will be asked with."""
    from integrations.models import ApiKey, InboxEvent, PullConnector
    from integrations.webhooks.models import Delivery, Subscription
    from iso_platform.accounts.models import User
    from quality.audits.models import AuditPlan, ChecklistItem
    from quality.competence.models import Campaign, Competence, TrainingSession
    from quality.core.models import Unit
    from quality.documents.models import (
        Acknowledgement,
        ChangeRequest,
        Document,
        RecordEntry,
        RecordSeries,
        Revision,
        RevisionFile,
    )
    from quality.improvement.models import Action, ActionEvidence, Nonconformity
    from quality.objectives.models import Objective
    from quality.procedures.models import Application, Procedure
    from quality.reviews.models import AnnualReport, ManagementReview
    from quality.risks.models import ContextIssue, Risk

    models = (
        User,
        Unit,
        Document,
        Revision,
        ChangeRequest,
        Acknowledgement,
        RevisionFile,
        RecordSeries,
        RecordEntry,
        Procedure,
        Application,
        InboxEvent,
        ApiKey,
        PullConnector,
        Subscription,
        Delivery,
        Nonconformity,
        Action,
        ActionEvidence,
        Risk,
        ContextIssue,
        Objective,
        AuditPlan,
        ChecklistItem,
        ManagementReview,
        AnnualReport,
        Competence,
        TrainingSession,
        Campaign,
    )
    missing = [m.__name__ for m in models if not m.objects.filter(pk=ident).exists()]
    assert not missing, f"no {missing} numbered {ident}"


def _plant_billing(world) -> dict:
    """Agency invoices live in the public schema: B's own invoice and the province's
    consolidated one with only B's lines (A pays for itself)."""
    from billing.models import Invoice, Payer
    from billing.services import subscriptions as subs
    from billing.services.invoicing import invoices_issue
    from tests.billing.conftest import SELLER, make_plans

    make_plans(world.province_admin)
    subs.subscription_start(agency=world.agency_a, plan_code="co-ban", on=dt.date(2026, 10, 15))
    subs.subscription_start(agency=world.agency_b, plan_code="nang-cao", on=dt.date(2026, 10, 1))
    subs.subscription_change(agency=world.agency_b, payer=Payer.PROVINCE, on=dt.date(2026, 11, 1))
    with override_settings(BILLING_SELLER=SELLER):  # the run refuses without the seller
        invoices_issue(today=dt.date(2026, 11, 1))
        invoices_issue(today=dt.date(2026, 12, 1))
    own_b = Invoice.objects.filter(agency=world.agency_b, payer=Payer.AGENCY).first()
    own_a = Invoice.objects.filter(agency=world.agency_a, payer=Payer.AGENCY).first()
    province = Invoice.objects.filter(payer=Payer.PROVINCE).first()
    assert own_a and own_b and province
    return {"a": own_a.pk, "b": own_b.pk, "province": province.pk}


def _session(host: str, schema: str, user) -> str:
    """A signed-in session, as the `client_for` fixture makes it (second factor passed)."""
    from eiso.testing.two_factor import session_mark_verified
    from iso_platform.accounts.two_factor import two_factor_required

    client = Client(HTTP_HOST=host)
    with schema_context(schema):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if two_factor_required(user):
        session_mark_verified(client, schema=schema)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _token(schema: str, user) -> str:
    from iso_platform.accounts.services import api_token_create

    with schema_context(schema):
        return api_token_create(user=user, name="matrix")[1]


@pytest.fixture(scope="module")
def planted(django_db_setup, django_db_blocker):
    """Everything is made once, in a transaction rolled back after the module; each test
    then runs in a savepoint of it (pytest-django's `db`)."""
    from eiso.celery import app as celery_app
    from tenants.models import ProvisioningJob

    celery_app.conf.task_always_eager = True
    with django_db_blocker.unblock():
        world = pytest.eiso_world.fresh()
        a, b = world.agency_a.schema_name, world.agency_b.schema_name
        saved = {schema: _sequences(schema) for schema in (a, b)}
        try:
            with transaction.atomic():
                for schema, ident in ((a, ID_A), (b, ID_B)):
                    _setval(schema, [(name, ident, False) for name, _v, _c in saved[schema]])
                with schema_context(a):
                    mine = _plant_agency(
                        admin=world.owner_a,
                        staff=world.member_a,
                        leader=world.leader_a,
                        mark=MARK_A,
                        ident=ID_A,
                        invited_email=f"invited@{MARK_A}.test",
                    )
                with schema_context(b):
                    theirs = _plant_agency(
                        admin=world.user_b,
                        staff=None,
                        leader=None,
                        mark=MARK_B,
                        ident=ID_B,
                        invited_email=f"invited@{MARK_B}.test",
                    )
                invoices = _plant_billing(world)
                job = ProvisioningJob.objects.create(
                    code=MARK_P, name=MARK_P, kind="other", admin_email="a@x.test", admin_name="A"
                )
                yield _planted(world, mine, theirs, invoices, job)
                transaction.set_rollback(True)
        finally:
            connection.set_schema_to_public()
            for schema, values in saved.items():
                _setval(schema, values)
            celery_app.conf.task_always_eager = False


def _planted(world, mine, theirs, invoices, job) -> Planted:
    a, b = world.agency_a, world.agency_b
    public = settings.PUBLIC_SCHEMA_NAME
    sessions = {
        "owner_a": _session(a.host, a.schema_name, world.owner_a),
        "reader_a": _session(a.host, a.schema_name, world.reader_a),
        "user_b": _session(b.host, b.schema_name, world.user_b),
        "province_admin": _session(settings.BASE_DOMAIN, public, world.province_admin),
        "analyst": _session(settings.BASE_DOMAIN, public, world.analyst),
    }
    tokens = {
        "owner_a": _token(a.schema_name, world.owner_a),
        "user_b": _token(b.schema_name, world.user_b),
        "analyst": _token(public, world.analyst),
    }
    common = {
        "<str:action>": "revoke",
        "<str:key>": "framework-101",
        "<str:item>": "policy",
        "<str:day>": "2026-03-09",
    }
    common |= {"<str:fmt>": "xlsx"}
    samples_a = {**common, "<int:": ID_A, **{k: v for k, v in mine.items() if k != "vendor"}}
    # the actions the webhook pages know, so that a refusal comes from the role
    webhook_actions = {
        "webhooks:action": {"<str:action>": "rotate"},
        "webhooks:delivery_action": {"<str:action>": "redeliver"},
    }
    samples_a |= webhook_actions
    samples_a |= {
        "billing:agency_pdf": {"<int:pk>": invoices["a"]},
        "billing_api:invoice-detail": {"<int:pk>": invoices["a"]},
    }
    samples_b = {**common, "<int:": ID_B, **{k: v for k, v in theirs.items() if k != "vendor"}}
    samples_b |= webhook_actions
    samples_b |= {
        "billing:agency_pdf": {"<int:pk>": invoices["b"]},
        "billing:agency_statement_pdf": {"<int:pk>": invoices["province"]},
        "billing_api:invoice-detail": {"<int:pk>": invoices["b"]},
    }
    console = {
        "<slug:code>": world.agency_a.code,
        "<str:day>": "2026-03-09",
        "<uuid:pk>": str(uuid.uuid4()),
        "<int:": GHOST,
        "<token>": "abc-123",
        "console:job_detail": {"<uuid:pk>": str(job.pk)},
        "billing:invoice": {"<int:pk>": invoices["a"]},
        "billing:invoice_pdf": {"<int:pk>": invoices["a"]},
        "billing:invoice_pay": {"<int:pk>": invoices["a"]},
        "billing:invoice_void": {"<int:pk>": invoices["a"]},
        "billing_api:invoice-detail": {"<int:pk>": invoices["a"]},
        "console_webhooks:action": {"<str:action>": "rotate"},
        "console_webhooks:delivery_action": {"<str:action>": "redeliver"},
    }
    schema_a = Client(HTTP_HOST=a.host).get("/api/v1/schema/", {"format": "json"}).json()
    return Planted(
        world, sessions, tokens, theirs["vendor"], samples_a, samples_b, console, schema_a
    )


def url_of(route: Route, samples: dict) -> str:
    url = route.route
    for placeholder, value in {**samples, **samples.get(route.name, {})}.items():
        if placeholder.startswith("<") and placeholder.endswith(">"):
            url = url.replace(placeholder, str(value))
    if "<int:" in samples:
        url = re.sub(r"<int:\w+>", str(samples["<int:"]), url)
    assert "<" not in url, f"no sample value for {route.route}: add one to this test"
    return "/" + url.lstrip("^").rstrip("$")


# --------------------------------------------------------------------------- bodies

# Writes are sent with a body a privileged person could send, so that a refusal comes from
# the role and not from an empty form: page forms are filled from their fields, API bodies
# from the OpenAPI schema's request bodies.


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 thu", "application/pdf")}


def _a_period() -> str:
    from quality.objectives.forms import MeasurementForm
    from quality.objectives.models import Objective

    form = MeasurementForm(objective=Objective.objects.get(pk=ID_A))
    return form.fields["period"].choices[0][0]


# route name -> the body to send where the generated one is not valid (callables: made fresh)
BODIES = {
    "audit-plan-checklist": {"clauses": ["8.1"], "include_procedures": False},
    "audits:checklist": {"clauses": ["8.1"]},
    "audit-plan-findings": {"assignment": ID_A, "grade": "minor", "description": "x"},
    "audits:finding": {"assignment": str(ID_A), "grade": "minor", "description": "x"},
    "document-external-status": {"status": "in_force"},
    "objectives:measure": lambda: {"period": _a_period(), "value": 1, "evidence": "x"},
    "risks:context": {"kind": "external", "title": "x"},
    "risks:context_edit": {"kind": "external", "title": "x"},
    "revision-files": _upload,  # a multipart upload
}


def form_body(route: Route) -> dict:
    form_class = getattr(route.view, "form_class", None)
    fields = getattr(form_class, "base_fields", {})
    data = {}
    for name, form_field in fields.items():
        value = _form_value(name, form_field)
        if value is not None:
            data[name] = value
    return data


def _form_value(name, f):
    from django import forms

    today = dt.date.today()
    if isinstance(f, forms.FileField):
        return None
    if isinstance(f, forms.ModelMultipleChoiceField):
        return [pk] if (pk := _newest(f.queryset)) else None
    if isinstance(f, forms.ModelChoiceField):
        return _newest(f.queryset)
    if isinstance(f, forms.MultipleChoiceField):
        return [_choice(f)]
    if isinstance(f, forms.ChoiceField):
        return _choice(f)
    if isinstance(f, forms.BooleanField):
        return "on"
    if isinstance(f, forms.DateTimeField):
        return f"{today.isoformat()} 09:00"
    if isinstance(f, forms.DateField):
        return today.isoformat()
    if isinstance(f, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return today.year if name == "year" else (f.min_value or 1)
    if isinstance(f, forms.EmailField):
        return "nguoi.moi@x.test"
    if isinstance(f, forms.URLField):
        return "http://127.0.0.1:9/"
    if isinstance(f, forms.JSONField):
        return "{}"
    return "Nội dung thử"


def _newest(queryset):
    return queryset.order_by("-pk").values_list("pk", flat=True).first()


def _choice(f):
    for value, label in f.choices:
        if isinstance(label, list | tuple):
            return label[0][0] if label else None
        if value not in ("", None):
            return value
    return None


def json_body(schema: dict, route: Route, method: str) -> str:
    wanted = (_shape("/" + route.route), method)
    for path, item in schema["paths"].items():
        if (_shape(path), method) == wanted:
            content = item[method].get("requestBody", {}).get("content", {})
            media = content.get("application/json")
            if media:
                return json.dumps(_sample(schema, media["schema"], ""))
    return "{}"


def _sample(schema, node, name):
    today = dt.date.today()
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in node:
            return _sample(schema, node[combined][0], name)
    if node.get("enum"):
        return next(v for v in node["enum"] if v not in ("", None))
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return {
            key: _sample(schema, sub, key)
            for key, sub in node.get("properties", {}).items()
            if not sub.get("readOnly")
        }
    if kind == "array":
        return [_sample(schema, node.get("items", {}), name)]
    if kind == "integer":
        if name == "year":
            return today.year
        return node.get("minimum", 1) if "maximum" in node else ID_A
    if kind == "number":
        return node.get("minimum", 1)
    if kind == "boolean":
        return True
    formats = {"date": today.isoformat(), "date-time": f"{today.isoformat()}T09:00:00+07:00"}
    formats |= {"email": "nguoi.moi@x.test", "uri": "http://127.0.0.1:9/", "decimal": "1"}
    return formats.get(node.get("format"), "Nội dung thử")


def body_for(planted, route: Route, method: str):
    with schema_context(planted.world.agency_a.schema_name):
        if route.name in BODIES:
            body = BODIES[route.name]
            body = body() if callable(body) else body
            return json.dumps(body) if route.is_api and "file" not in body else body
        if route.is_api:
            return json_body(planted.schema_a, route, method)
        return form_body(route)


# --------------------------------------------------------------------------- requests


@dataclass
class Answer:
    who: str
    method: str
    url: str
    status: int
    location: str
    body: bytes
    changed: dict

    def __str__(self):
        where = f" → {self.location}" if self.location else ""
        changed = f", changed {self.changed}" if self.changed else ""
        return (
            f"{self.who}: {self.method.upper()} {self.url} answered {self.status}{where}{changed}"
        )


def _counters() -> dict[str, int]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT schemaname || '.' || relname, n_tup_ins + n_tup_upd + n_tup_del"
            " FROM pg_stat_xact_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return dict(cur.fetchall())


def ask(
    host, route: Route, method: str, url: str, who: str, *, session=None, headers=None, body=None
):
    client = Client(HTTP_HOST=host, **(headers or {}))
    if session:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    data = body if body is not None else ({} if not route.is_api else "{}")
    json_body = route.is_api and method != "get" and not isinstance(data, dict)
    kwargs = {"content_type": "application/json"} if json_body else {}
    before = _counters() if method != "get" else {}
    response = getattr(client, method)(url, data if method != "get" else None, **kwargs)
    changed = {}
    if method != "get":
        connection.set_schema_to_public()
        after = _counters()
        allowed = QUIET_TABLES | WRITES_BY_DESIGN.get(route.name, (set(), ""))[0]
        changed = {
            table: count - before.get(table, 0)
            for table, count in after.items()
            if count != before.get(table, 0) and table.partition(".")[2] not in allowed
        }
    location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    return Answer(who, method, url, response.status_code, location, response.content, changed)


def leaks(answer: Answer, markers) -> str:
    """What of the data the answer gives away ('' when nothing)."""
    body = answer.body.decode(errors="replace").lower()
    found = [m for m in markers if m.lower() in body]
    if found:
        at = body.find(found[0].lower())
        return f"{found} in the body: …{body[max(0, at - 200) : at + 80]}…"
    if answer.body[:1] in (b"{", b"["):
        try:
            data = json.loads(answer.body)
        except ValueError:
            return ""
        if isinstance(data, list) and data:
            return f"{len(data)} rows in the body"
        if isinstance(data, dict) and (data.get("results") or "id" in data):
            return "rows in the body"
    return ""


def refused(answer: Answer) -> bool:
    if answer.status in (401, 403, 404, 405):
        return True
    return answer.status == 302 and "/accounts/login/" in answer.location


def _vendor_headers(key_id: str, secret: str, url: str) -> dict:
    """B's key, signing a POST of `{}` to A's route: refused for the key alone."""
    from integrations.services.keys import signed_headers

    return {
        f"HTTP_{k.upper().replace('-', '_')}": v
        for k, v in signed_headers(key_id, secret, b"{}", method="POST", path=url).items()
    }


def _outsiders(planted: Planted, route: Route) -> list[tuple[str, dict]]:
    """Everybody who has nothing to do on agency A's host."""
    found = [
        ("anonymous", {}),
        ("agency B's session", {"session": planted.sessions["user_b"]}),
        ("the province administrator's session", {"session": planted.sessions["province_admin"]}),
    ]
    if route.is_api:
        found += [
            ("agency B's API token", _bearer(planted.tokens["user_b"])),
            ("the analyst's API token", _bearer(planted.tokens["analyst"])),
            (
                "agency B's integration key",
                {"headers": _vendor_headers(*planted.vendor_b, url_of(route, planted.samples_a))},
            ),
        ]
    return found


def _bearer(token: str) -> dict:
    return {"headers": {"HTTP_AUTHORIZATION": f"Bearer {token}"}}


def _report(problems: list[str]) -> str:
    return "\n".join(problems)


# --------------------------------------------------------------------------- agency routes


@pytest.mark.parametrize("route", _ids(TENANT_ROUTES))
def test_agency_routes_refuse_outsiders(db, planted, route):
    """(a) anonymous, (b) agency B's credentials, (c) provincial users: refused, no data."""
    host = planted.world.agency_a.host
    url = url_of(route, planted.samples_a)
    problems = []
    for who, credentials in _outsiders(planted, route):
        for method in route.methods:
            answer = ask(host, route, method, url, who, **credentials)
            assert answer.status < 500, str(answer)
            if route.name not in OPEN_ROUTES and not refused(answer):
                problems.append(f"not refused: {answer}")
            if leak := leaks(answer, [MARK_B] if route.name in SHOWS_ITS_OWN else [MARK_A, MARK_B]):
                problems.append(f"leaks: {answer}: {leak}")
            if answer.changed and route.name not in OPEN_ROUTES:
                problems.append(f"changed the database: {answer}")
    assert not problems, _report(problems)


READ_ONLY_ROUTES = [r for r in TENANT_ROUTES if r.writes and r.name not in OPEN_ROUTES]


@pytest.mark.parametrize(
    "route", _ids([r for r in READ_ONLY_ROUTES if r.name not in READ_ONLY_MAY_WRITE])
)
def test_agency_routes_refuse_writes_by_the_read_only_role(db, planted, route):
    """(d) every write by the least privileged role: 403 or 404, and nothing changed."""
    host = planted.world.agency_a.host
    url = url_of(route, planted.samples_a)
    problems = []
    for method in route.writes:
        answer = ask(
            host,
            route,
            method,
            url,
            "reader_a",
            session=planted.sessions["reader_a"],
            body=body_for(planted, route, method),
        )
        assert answer.status < 500, str(answer)
        if answer.status not in (401, 403, 404, 405) or answer.changed:
            problems.append(str(answer))
    assert not problems, _report(problems)


FOREIGN_ID_ROUTES = [r for r in TENANT_ROUTES if r.params and r.name not in NOT_PER_AGENCY]


@pytest.mark.parametrize("route", _ids(FOREIGN_ID_ROUTES))
def test_agency_routes_do_not_find_another_agencys_ids(db, planted, route):
    """(e) A's administrator asking with B's ids: 404, as for an id that exists nowhere."""
    host = planted.world.agency_a.host
    url = url_of(route, planted.samples_b)
    ghost_samples = {**planted.samples_b, "<int:": GHOST, "<str:event_id>": "ev-nowhere"}
    ghost_samples["<token>"] = "nowhere-" + str(GHOST)
    ghost_samples = {k: v for k, v in ghost_samples.items() if k.startswith("<")}
    ghost = url_of(route, ghost_samples)
    owner = {"session": planted.sessions["owner_a"]}
    problems = []
    for method in route.methods:
        body = body_for(planted, route, method) if method != "get" else None
        answer = ask(host, route, method, url, "A's administrator", **owner, body=body)
        assert answer.status < 500, str(answer)
        if answer.status not in (404, 405):
            nowhere = ask(host, route, method, ghost, "A's administrator", **owner, body=body)
            if (nowhere.status, nowhere.location) != (answer.status, answer.location):
                problems.append(f"{answer}, but {nowhere.status} for an id that exists nowhere")
        if leak := leaks(answer, [MARK_B]):
            problems.append(f"leaks: {answer}: {leak}")
        if answer.changed:
            problems.append(f"changed the database: {answer}")
    assert not problems, _report(problems)


# --------------------------------------------------------------------------- console routes


@pytest.mark.parametrize("route", _ids(PUBLIC_ROUTES))
def test_console_routes_refuse_anonymous_and_agency_users(db, planted, route):
    url = url_of(route, planted.console)
    credentials = [
        ("anonymous", {}),
        ("agency A's session", {"session": planted.sessions["owner_a"]}),
        ("agency A's API token", _bearer(planted.tokens["owner_a"])),
    ]
    problems = []
    for who, given in credentials:
        for method in route.methods:
            answer = ask(settings.BASE_DOMAIN, route, method, url, who, **given)
            assert answer.status < 500, str(answer)
            if route.name not in OPEN_ROUTES and not refused(answer):
                problems.append(f"not refused: {answer}")
            if leak := leaks(answer, [MARK_A, MARK_B, MARK_P]):
                problems.append(f"leaks: {answer}: {leak}")
            if answer.changed and route.name not in OPEN_ROUTES:
                problems.append(f"changed the database: {answer}")
    assert not problems, _report(problems)


ADMIN_ONLY_ROUTES = [r for r in PUBLIC_ROUTES if _admin_only(r)]


@pytest.mark.parametrize("route", _ids(ADMIN_ONLY_ROUTES))
def test_admin_only_console_routes_refuse_the_analyst(db, planted, route):
    """(c) the department analyst: 403 where only the provincial administrator may act."""
    url = url_of(route, planted.console)
    problems = []
    for method in sorted(_admin_only(route)):
        answer = ask(
            settings.BASE_DOMAIN, route, method, url, "analyst", session=planted.sessions["analyst"]
        )
        assert answer.status < 500, str(answer)
        if answer.status not in (403, 404, 405) or answer.changed:
            problems.append(str(answer))
    assert not problems, _report(problems)


# --------------------------------------------------------------------------- completeness


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", re.sub(r"<[^>]+>", "{}", path))


@pytest.mark.parametrize("host", ["agency", "console"])
def test_every_openapi_operation_is_in_the_matrix(db, planted, host):
    """The schema each host serves lists nothing the URL walk did not test."""
    target = planted.world.agency_a.host if host == "agency" else settings.BASE_DOMAIN
    found = TENANT_ROUTES if host == "agency" else PUBLIC_ROUTES
    walked = {(_shape("/" + r.route), m) for r in found for m in r.methods}
    response = Client(HTTP_HOST=target).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    operations = {
        (_shape(path), method)
        for path, item in response.json()["paths"].items()
        for method in item
        if method in METHODS
    }
    assert len(operations) > 10
    assert operations <= walked, sorted(operations - walked)


def test_every_listed_route_exists():
    agency = {r.name for r in TENANT_ROUTES}
    console = {r.name for r in PUBLIC_ROUTES}
    assert set(OPEN_ROUTES) <= agency | console
    assert set(SHOWS_ITS_OWN) <= set(OPEN_ROUTES)
    listed = set(READ_ONLY_MAY_WRITE) | set(NOT_PER_AGENCY) | set(WRITES_BY_DESIGN) | set(BODIES)
    assert listed <= agency
    assert console >= ADMIN_ONLY


def test_the_matrix_covers_every_route():
    """Each route is in the checks that apply to it, or listed with its reason."""
    for route in TENANT_ROUTES:
        if route.writes and route.name not in OPEN_ROUTES:
            assert route in READ_ONLY_ROUTES
        if route.params:
            assert route in FOREIGN_ID_ROUTES or route.name in NOT_PER_AGENCY
    assert len(TENANT_ROUTES) > 200 and len(PUBLIC_ROUTES) > 80
