"""Agencies (the tenants), their domains, the warm schema pool and provisioning jobs.

All of these live in the public schema.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

CODE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
CODE_MAX_LENGTH = 40
RESERVED_CODES = frozenset(
    {
        "www",
        "api",
        "admin",
        "static",
        "media",
        "public",
        "mail",
        "smtp",
        "imap",
        "pop",
        "ftp",
        "ns1",
        "ns2",
        "dns",
        "app",
        "console",
        "tinh",
        "root",
        "help",
        "docs",
        "status",
        "assets",
        "cdn",
        "localhost",
        "test",
        "autodiscover",
        "autoconfig",
        "webmail",
        "portal",
        "sso",
        "auth",
        "login",
        "metrics",
        "grafana",
        "sentry",
        "pool",
        "template",
        "information-schema",
    }
)

MSG_CODE_FORMAT = _(
    "Mã cơ quan chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang, bắt đầu và kết thúc "
    "bằng chữ hoặc số, tối đa 40 ký tự (ví dụ: sokhcn, ubnd-xa-my-hoa-hung)."
)
MSG_CODE_RESERVED = _("Mã “%(code)s” được dành riêng cho hệ thống, hãy chọn mã khác.")
MSG_CODE_PUNYCODE = _("Mã cơ quan không được chứa hai dấu gạch ngang liền nhau.")


def validate_agency_code(code: str) -> None:
    if not isinstance(code, str) or not CODE_RE.match(code):
        raise ValidationError(MSG_CODE_FORMAT, code="code_format")
    if "--" in code:
        raise ValidationError(MSG_CODE_PUNYCODE, code="code_format")
    if code in RESERVED_CODES:
        raise ValidationError(MSG_CODE_RESERVED, code="code_reserved", params={"code": code})


# The national electronic identifier of an agency (mã định danh điện tử) used in document
# exchange between document-management systems (QCVN 102:2016/BTTTT, kept by Decision
# 20/2020/QĐ-TTg): four groups from the lowest level to the highest, "DDD.CC.BB.A##", e.g.
# "000.00.12.H13" (a department of a province): three digits, two, two, then a capital letter
# and two digits for the level-1 body (G ministries, H provinces, ...).
IDENTIFIER_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
IDENTIFIER_MAX_LENGTH = 13
MSG_IDENTIFIER_FORMAT = _(
    "Mã định danh “%(value)s” không đúng cấu trúc: bốn nhóm cách nhau bởi dấu chấm, ví dụ "
    "000.00.12.H13 (ba chữ số, hai chữ số, hai chữ số, một chữ cái in hoa và hai chữ số)."
)
MSG_IDENTIFIER_TAKEN = _("Mã định danh “%(value)s” đã được cơ quan “%(name)s” sử dụng.")


def identifier_normalise(value: str | None) -> str:
    """Spaces removed and the letter in capitals: what a clerk types becomes the stored form."""
    return "".join((value or "").split()).upper()


def validate_agency_identifier(value: str) -> None:
    if value and not IDENTIFIER_RE.match(value):
        raise ValidationError(
            MSG_IDENTIFIER_FORMAT, code="identifier_format", params={"value": value}
        )


def identifier_check(value: str, *, exclude_pk=None) -> str:
    """The normalised identifier, or ValidationError when malformed or held by another agency
    (merged and archived agencies keep theirs: packages addressed to them still arrive)."""
    value = identifier_normalise(value)
    validate_agency_identifier(value)
    if value:
        holder = Agency.objects.filter(identifier=value).exclude(pk=exclude_pk).first()
        if holder is not None:
            raise ValidationError(
                MSG_IDENTIFIER_TAKEN,
                code="identifier_taken",
                params={"value": value, "name": holder.name},
            )
    return value


def schema_name_for(code: str) -> str:
    """`ag_` + the code with hyphens as underscores: a valid, unquoted PostgreSQL name."""
    return "ag_" + code.replace("-", "_")


class AgencyKind(models.TextChoices):
    PROVINCE = "province", _("Tỉnh (lược đồ chung)")
    PROVINCIAL_DEPARTMENT = "provincial_department", _("Sở, ban, ngành cấp tỉnh")
    COMMUNE_COMMITTEE = "commune_committee", _("UBND cấp xã")
    SERVICE_CENTRE = "service_centre", _("Trung tâm phục vụ hành chính công")
    OTHER = "other", _("Cơ quan khác")
    DISTRICT = "district", _("UBND cấp huyện (trước 01/7/2025)")


AGENCY_KINDS_FOR_NEW = [
    k for k in AgencyKind if k not in (AgencyKind.PROVINCE, AgencyKind.DISTRICT)
]


class AgencyStatus(models.TextChoices):
    PROVISIONING = "provisioning", _("Đang khởi tạo")
    ACTIVE = "active", _("Đang hoạt động")
    SUSPENDED = "suspended", _("Tạm ngừng")
    ARCHIVED = "archived", _("Đã lưu trữ")


class AgencyQuerySet(models.QuerySet):
    def agencies(self):
        """Every agency: all rows but the public schema's (the province's own)."""
        return self.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)

    def active(self):
        """Agencies that serve and take writes (not provisioning, suspended or archived)."""
        return self.agencies().filter(status=AgencyStatus.ACTIVE)

    def by_identifier(self, identifier: str):
        """The agency that answers for a national identifier today: a merged agency's
        identifier leads to the agency it was merged into (documents addressed to the old
        identifier still find their way), or None."""
        agency = self.filter(identifier=identifier_normalise(identifier)).first()
        seen = set()
        while agency is not None and agency.merged_into_id and agency.pk not in seen:
            seen.add(agency.pk)
            agency = self.filter(pk=agency.merged_into_id).first()
        return agency


class Agency(TenantMixin):
    code = models.CharField(_("mã"), max_length=CODE_MAX_LENGTH, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=255)
    identifier = models.CharField(
        _("mã định danh điện tử"),
        max_length=IDENTIFIER_MAX_LENGTH,
        blank=True,
        validators=[validate_agency_identifier],
        help_text=_("Mã định danh dùng khi liên thông văn bản, ví dụ 000.00.12.H13."),
    )
    kind = models.CharField(_("loại"), max_length=32, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=AgencyStatus.choices, default=AgencyStatus.ACTIVE
    )
    status_reason = models.CharField(_("lý do"), max_length=500, blank=True)
    plan_code = models.CharField(_("gói dịch vụ"), max_length=40, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("đã hợp nhất vào"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_agencies",
    )
    archived_at = models.DateTimeField(_("ngày lưu trữ"), null=True, blank=True)
    created_at = models.DateTimeField(_("ngày tạo"), default=timezone.now)
    updated_at = models.DateTimeField(_("cập nhật"), auto_now=True)

    # Schemas are made by the provisioning service (pool claim, clone or migrate), never by save().
    auto_create_schema = False
    auto_drop_schema = False

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="province") | ~Q(schema_name="public"),
                name="agency_public_schema_is_province",
            ),
            models.UniqueConstraint(
                fields=["identifier"],
                condition=~Q(identifier=""),
                name="agency_identifier_once",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_public(self) -> bool:
        return self.schema_name == settings.PUBLIC_SCHEMA_NAME

    @property
    def host(self) -> str:
        return settings.BASE_DOMAIN if self.is_public else f"{self.code}.{settings.BASE_DOMAIN}"

    @property
    def url(self) -> str:
        port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
        return f"{settings.SITE_SCHEME}://{self.host}{port}/"

    @property
    def is_usable(self) -> bool:
        return self.status == AgencyStatus.ACTIVE


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("tên miền")
        verbose_name_plural = _("tên miền")


class SpareSchema(models.Model):
    """A pre-migrated, empty agency schema waiting to be claimed by `ALTER SCHEMA ... RENAME`."""

    schema_name = models.CharField(max_length=63, unique=True)
    migration_state = models.CharField(
        max_length=64, help_text="Digest of the migrations applied when the schema was built."
    )
    method = models.CharField(max_length=16)
    build_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.schema_name


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang thực hiện")
    SUCCEEDED = "succeeded", _("Hoàn tất")
    FAILED = "failed", _("Thất bại")


class Job(models.Model):
    """What every long piece of work on the platform keeps: when it was asked for, started and
    finished (provisioning an agency, a rollout file, a merge, split, export or import)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class ProgressJob(Job):
    """A job a person follows on a progress page: the step it is at, how far (0-100), why it
    failed, and who asked."""

    step = models.CharField(max_length=200, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(Job.Meta):
        abstract = True


class ProvisioningJob(ProgressJob):
    """One request to create an agency, followed until the agency is usable."""

    code = models.CharField(_("mã"), max_length=CODE_MAX_LENGTH)
    name = models.CharField(_("tên cơ quan"), max_length=255)
    identifier = models.CharField(max_length=IDENTIFIER_MAX_LENGTH, blank=True)
    kind = models.CharField(_("loại"), max_length=32, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    admin_email = models.EmailField(_("thư điện tử quản trị viên"))
    admin_name = models.CharField(_("họ tên quản trị viên"), max_length=150)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    method = models.CharField(max_length=16, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="provisioning_jobs"
    )

    class Meta(ProgressJob.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_max_100"),
        ]

    def __str__(self):
        return f"{self.code} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class AgencyEvent(models.Model):
    """Platform operations on an agency (provisioned, suspended, resumed...), append-only."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agency", "-at"])]

    def __str__(self):
        return f"{self.agency_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class ReportSubmission(models.Model):
    """An agency's annual report on applying its QMS, as submitted to the province (public)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="report_submissions")
    year = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.CharField(max_length=254)
    announced_conformity = models.BooleanField(default=False)
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["-year", "agency"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="report_submission_once")
        ]

    def __str__(self):
        return f"{self.agency_id} {self.year}"


# --------------------------------------------------------------------------- life-cycle operations


class OperationKind(models.TextChoices):
    MERGE = "merge", _("Hợp nhất")
    SPLIT = "split", _("Tách")
    ARCHIVE = "archive", _("Lưu trữ")
    EXPORT = "export", _("Xuất dữ liệu")
    IMPORT = "import", _("Nhập dữ liệu")


class OperationStatus(models.TextChoices):
    PREVIEW = "preview", _("Xem trước")
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang thực hiện")
    SUCCEEDED = "succeeded", _("Hoàn tất")
    FAILED = "failed", _("Thất bại")


class LifecycleOperation(ProgressJob):
    """A merge, split, archive, export or import: previewed, confirmed, run as a job."""

    kind = models.CharField(max_length=16, choices=OperationKind.choices)
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operations",
        help_text="The agency acted on (merge: the one that stays; split: the source).",
    )
    other = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Merge: the agency merged in; split and import: the new agency.",
    )
    status = models.CharField(
        max_length=16, choices=OperationStatus.choices, default=OperationStatus.PREVIEW
    )
    params = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    artifact = models.CharField(max_length=500, blank=True, help_text="Export file, if any.")

    def __str__(self):
        return f"{self.kind} {self.agency_id} ({self.status})"


class PlatformAuditEvent(models.Model):
    """The platform's audit log (public schema): console sign-ins, provisioning, suspending,
    merging, splitting, archiving, exports made from the console, province users' roles.

    Append-only: a database trigger refuses UPDATE and DELETE. No foreign keys, so that
    nothing (removing an agency or a person) can rewrite a row through ON DELETE actions;
    `actor_id` is a public-schema user id, `agency_code` names the agency concerned.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_label = models.CharField(max_length=300, blank=True)
    agency_code = models.CharField(max_length=CODE_MAX_LENGTH, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "-at"], name="platform_audit_action"),
            models.Index(fields=["agency_code", "-at"], name="platform_audit_agency"),
            models.Index(fields=["subject_type", "subject_id"], name="platform_audit_subject"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.subject_type}"
