"""Creating an agency: fast (a pool claim) and all-or-nothing.

Flow (ARCHITECTURE.md, flow 1):

1. validate the request (code format, reserved names, duplicates, parent);
2. make sure a spare schema exists: normally the warm pool has one; when it is
   empty, build one now by cloning the template (or by migrations), committed
   on its own as a pool member;
3. in ONE transaction: claim a spare (`ALTER SCHEMA ... RENAME`), insert the
   agency and its domain, create the first administrator in the new schema,
   seed its starting content, and mark the job done;
4. after commit: refill the pool in the background and e-mail the invitation.

Any failure in step 3 rolls back the rename together with the rows, so no
agency, domain or renamed schema is left behind, and the spare goes back to
the pool.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import tenant_context

from iso_platform.accounts.models import Role, User
from iso_platform.accounts.services import Invitation, invitation_for, user_create
from tenants.models import (
    AGENCY_KINDS_FOR_NEW,
    Agency,
    AgencyStatus,
    Domain,
    JobStatus,
    ProvisioningJob,
    identifier_check,
    identifier_normalise,
    schema_name_for,
    validate_agency_code,
)
from tenants.services import events, pool
from tenants.signals import agency_provisioned, agency_seeding

logger = logging.getLogger(__name__)

METHODS = ("auto", "pool", "clone", "migrate")
MAX_CLAIM_ATTEMPTS = 3

MSG_CODE_TAKEN = gettext_noop("Mã “%(code)s” đã được dùng cho một cơ quan khác.")
MSG_NAME_REQUIRED = gettext_noop("Cần nhập tên cơ quan.")
MSG_NAME_TOO_LONG = gettext_noop("Tên cơ quan dài quá 255 ký tự.")
MSG_KIND_INVALID = gettext_noop("Loại cơ quan không hợp lệ.")
MSG_PARENT_UNKNOWN = gettext_noop("Không tìm thấy cơ quan cấp trên có mã “%(code)s”.")
MSG_POOL_EMPTY = gettext_noop("Kho lược đồ dự phòng đang trống; hãy thử lại sau ít phút.")
MSG_NO_SCHEMA = gettext_noop("Không chuẩn bị được lược đồ dữ liệu cho cơ quan; hãy thử lại.")

StepCallback = Callable[[str, int], None]


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    kind: str
    admin_email: str
    admin_name: str
    parent_code: str | None = None
    plan_code: str | None = None  # billing: an existing plan, else the default pilot plan
    identifier: str = ""  # national electronic identifier (document exchange), optional


@dataclass(frozen=True)
class ProvisionResult:
    agency: Agency
    admin: User
    invitation: Invitation | None
    method: str
    duration_ms: int
    spare_schema: str


def agency_spec_validate(spec: AgencySpec) -> Agency | None:
    """Check a request before any work; return the parent agency. Raises ValidationError."""
    errors: dict[str, str] = {}
    try:
        validate_agency_code(spec.code)
    except ValidationError as exc:
        errors["code"] = exc.messages[0]
    if "code" not in errors and Agency.objects.filter(code=spec.code).exists():
        errors["code"] = _(MSG_CODE_TAKEN) % {"code": spec.code}
    if not (spec.name or "").strip():
        errors["name"] = _(MSG_NAME_REQUIRED)
    elif len(spec.name.strip()) > 255:
        errors["name"] = _(MSG_NAME_TOO_LONG)
    if spec.kind not in AGENCY_KINDS_FOR_NEW:
        errors["kind"] = _(MSG_KIND_INVALID)
    try:
        identifier_check(spec.identifier)
    except ValidationError as exc:
        errors["identifier"] = exc.messages[0]
    parent = None
    if spec.parent_code:
        parent = Agency.objects.agencies().filter(code=spec.parent_code).first()
        if parent is None:
            errors["parent_code"] = _(MSG_PARENT_UNKNOWN) % {"code": spec.parent_code}
    if errors:
        raise ValidationError(errors)
    return parent


def agency_provision(
    *,
    spec: AgencySpec,
    admin_password: str | None = None,
    method: str = "auto",
    job: ProvisioningJob | None = None,
    on_step: StepCallback | None = None,
) -> ProvisionResult:
    """Create a usable agency, or nothing at all. See the module docstring."""
    if method not in METHODS:
        raise ValueError(f"unknown provisioning method {method!r}")
    started = time.perf_counter()
    step = on_step or (lambda _text, _progress: None)
    step(_("Kiểm tra thông tin"), 10)
    parent = agency_spec_validate(spec)
    schema_name = schema_name_for(spec.code)

    prepared = None
    for _attempt in range(MAX_CLAIM_ATTEMPTS):
        if method in ("clone", "migrate") or (method == "auto" and pool.pool_size() == 0):
            step(_("Chuẩn bị lược đồ dữ liệu"), 30)
            build = pool.METHOD_MIGRATE if method == "migrate" else pool.METHOD_CLONE
            prepared = pool.spare_build(method=build)
        step(_("Tạo cơ quan, tên miền và tài khoản quản trị"), 70)
        try:
            with transaction.atomic():
                spare = pool.spare_claim(rename_to=schema_name, prefer=prepared)
                if spare is None:
                    if method == "pool":
                        raise ValidationError(_(MSG_POOL_EMPTY), code="pool_empty")
                    continue
                used = method if method != "auto" else ("pool" if prepared is None else "clone")
                result = _create_agency(
                    spec=spec,
                    parent=parent,
                    schema_name=schema_name,
                    admin_password=admin_password,
                    method=used,
                    started=started,
                    job=job,
                    spare=spare.schema_name,
                )
                _invitation_enqueue(result)  # with the agency, in the same transaction
        except IntegrityError as exc:
            # Lost a race for the same code (the unique index said no at insert time).
            if Agency.objects.filter(code=spec.code).exists():
                raise ValidationError({"code": _(MSG_CODE_TAKEN) % {"code": spec.code}}) from exc
            if spec.identifier:
                try:
                    identifier_check(spec.identifier)
                except ValidationError as taken:
                    raise ValidationError({"identifier": taken.messages[0]}) from exc
            raise
        _after_commit(result)
        return result
    raise ValidationError(_(MSG_NO_SCHEMA), code="no_schema")


def _create_agency(*, spec, parent, schema_name, admin_password, method, started, job, spare):
    agency = Agency(
        schema_name=schema_name,
        code=spec.code,
        name=spec.name.strip(),
        identifier=identifier_normalise(spec.identifier),
        kind=spec.kind,
        parent=parent,
        status=AgencyStatus.ACTIVE,
    )
    agency.save()
    Domain.objects.create(domain=agency.host, tenant=agency, is_primary=True)
    with tenant_context(agency):
        admin = user_create(
            email=spec.admin_email,
            full_name=spec.admin_name,
            role=Role.ISO_SECRETARY,
            in_public=False,
            password=admin_password,
            is_agency_admin=True,
        )
        _seed_agency(agency)
        invitation = None if admin_password else invitation_for(admin)
    _subscribe(agency, spec.plan_code, job.requested_by if job else None)
    duration_ms = int((time.perf_counter() - started) * 1000)
    events.record(
        agency=agency,
        action="provisioned",
        actor=job.requested_by if job else None,
        detail={"method": method, "duration_ms": duration_ms, "spare": spare},
        agency_trail=True,
    )
    if job is not None:
        _job_finish(job, agency=agency, method=method, duration_ms=duration_ms)
    return ProvisionResult(agency, admin, invitation, method, duration_ms, spare)


def _subscribe(agency: Agency, plan_code: str | None, by) -> None:
    """The agency's subscription (billing reacts), in the transaction that creates it."""
    agency_provisioned.send(sender=Agency, agency=agency, plan_code=plan_code, by=by)


def _seed_agency(agency: Agency) -> None:
    """Starting content for a new agency (onboarding's template pack, as drafts)."""
    agency_seeding.send(sender=Agency, agency=agency)


def _invitation_enqueue(result: ProvisionResult) -> None:
    """The administrator's set-password e-mail, through the outbox: sent even if the broker
    is down at this moment (send_invitation sends one invitation once)."""
    # A cycle otherwise: the tasks modules import this one (directly or through services).
    from iso_platform.accounts.tasks import send_invitation
    from iso_platform.outbox.services import task_enqueue

    if result.invitation is not None:
        task_enqueue(
            task=send_invitation,
            args=(result.admin.pk, result.invitation.token),
            schema=result.agency.schema_name,
        )


def _after_commit(result: ProvisionResult) -> None:
    # A cycle otherwise: the tasks modules import this one (directly or through services).
    from tenants.tasks import pool_refill

    transaction.on_commit(lambda: _enqueue_quietly(pool_refill))


def _enqueue_quietly(task, *args, headers=None) -> None:
    """The agency exists whatever the broker says; beat refills the pool anyway."""
    try:
        task.apply_async(args=args, headers=headers or {})
    except Exception:  # broker down: the periodic jobs catch up
        logger.exception("could not enqueue %s", task.name)


def _job_finish(job: ProvisioningJob, *, agency: Agency, method: str, duration_ms: int) -> None:
    job.agency = agency
    job.status = JobStatus.SUCCEEDED
    job.step = _("Cơ quan đã sẵn sàng")
    job.progress = 100
    job.method = method
    job.duration_ms = duration_ms
    job.error = ""
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "agency",
            "status",
            "step",
            "progress",
            "method",
            "duration_ms",
            "error",
            "finished_at",
        ]
    )
