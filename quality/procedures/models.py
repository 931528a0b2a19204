"""Administrative procedures (TTHC) as ISO processes, and citizens' applications (hồ sơ).

Agency schema. Applications are a projection of the events in the integration inbox:
`services/applications.py` rebuilds an application from all its events, in the order
they happened, so events that arrive late or out of order end in the same state.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProcedureLevel(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")
    INTERLINKED = "interlinked", _("Liên thông")
    CENTRAL = "central", _("Cấp trung ương (tiếp nhận tại địa phương)")


class SupplementRule(models.TextChoices):
    RESTART = "restart", _("Tính lại thời hạn từ khi nhận đủ hồ sơ")
    PAUSE = "pause", _("Dừng đồng hồ trong thời gian chờ bổ sung")


class Procedure(models.Model):
    code = models.CharField(_("mã TTHC"), max_length=40, unique=True)
    # The code in the national database of administrative procedures (1.001234), when the
    # agency's own code differs from it or the procedure came from the national catalogue.
    national_code = models.CharField(_("mã TTHC quốc gia"), max_length=20, blank=True)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.CharField(_("lĩnh vực"), max_length=200, blank=True)
    authority = models.CharField(_("cơ quan thực hiện"), max_length=500, blank=True)
    level = models.CharField(
        _("cấp thực hiện"),
        max_length=16,
        choices=ProcedureLevel.choices,
        default=ProcedureLevel.PROVINCE,
    )
    document = models.ForeignKey(
        "quality_documents.Document",
        verbose_name=_("quy trình ISO"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="procedures",
    )
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["field", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_code"],
                condition=~Q(national_code=""),
                name="procedure_national_code",
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def version_on(self, day):
        """The version in force on `day` (the latest one effective on or before it)."""
        return self.versions.filter(effective_from__lte=day).order_by("-effective_from").first()


class LimitUnit(models.TextChoices):
    """How a processing time is counted (docs/domain: deadlines; iso_platform.workdays)."""

    WORKING_DAYS = "working_days", _("ngày làm việc")
    CALENDAR_DAYS = "calendar_days", _("ngày (theo lịch)")
    WORKING_HOURS = "working_hours", _("giờ làm việc")


# The column holding the limit of each unit: exactly one of them is set.
LIMIT_FIELDS = {
    LimitUnit.WORKING_DAYS: "limit_days",
    LimitUnit.CALENDAR_DAYS: "limit_calendar_days",
    LimitUnit.WORKING_HOURS: "limit_hours",
}


class ProcedureVersion(models.Model):
    """The rules of a procedure from a date: limit, fee, cut-off, supplement rule, steps.

    The limit is in working days, calendar days (the national catalogue's "30 ngày") or
    working hours: exactly one of `limit_days`, `limit_calendar_days`, `limit_hours`."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    effective_from = models.DateField(_("áp dụng từ"))
    limit_days = models.PositiveIntegerField(_("thời hạn (ngày làm việc)"), null=True, blank=True)
    limit_hours = models.DecimalField(
        _("thời hạn (giờ làm việc)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    limit_calendar_days = models.PositiveIntegerField(
        _("thời hạn (ngày theo lịch)"), null=True, blank=True
    )
    fee = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), default=0)
    cutoff_applies = models.BooleanField(_("áp dụng giờ chốt tiếp nhận"), default=False)
    supplement_rule = models.CharField(
        _("khi yêu cầu bổ sung"),
        max_length=16,
        choices=SupplementRule.choices,
        default=SupplementRule.RESTART,
    )
    note = models.CharField(_("căn cứ, ghi chú"), max_length=500, blank=True)
    # As published in the national catalogue (the fee in words, "Không" or a scale).
    fee_note = models.CharField(_("mô tả phí, lệ phí"), max_length=1000, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    result = models.TextField(_("kết quả thực hiện"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        ordering = ["procedure", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_no"),
            models.UniqueConstraint(
                fields=["procedure", "effective_from"], name="procedure_version_date"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        limit_days__isnull=False,
                        limit_hours__isnull=True,
                        limit_calendar_days__isnull=True,
                    )
                    | Q(
                        limit_days__isnull=True,
                        limit_hours__isnull=False,
                        limit_calendar_days__isnull=True,
                    )
                    | Q(
                        limit_days__isnull=True,
                        limit_hours__isnull=True,
                        limit_calendar_days__isnull=False,
                    )
                ),
                name="procedure_version_one_limit",
            ),
        ]

    def __str__(self):
        return f"{self.procedure.code} v{self.number}"

    @property
    def limit_unit(self) -> str:
        return limit_unit_of(self.limit_days, self.limit_calendar_days, self.limit_hours)

    @property
    def limit_kwargs(self) -> dict:
        """The limit as `WorkCalendar.due_date` takes it."""
        if self.limit_days is not None:
            return {"days": self.limit_days}
        if self.limit_calendar_days is not None:
            return {"calendar_days": self.limit_calendar_days}
        return {"hours": float(self.limit_hours)}

    @property
    def limit_label(self) -> str:
        return limit_label(self.limit_days, self.limit_calendar_days, self.limit_hours)


def limit_unit_of(days, calendar_days, hours) -> str:
    if days is not None:
        return LimitUnit.WORKING_DAYS
    if calendar_days is not None:
        return LimitUnit.CALENDAR_DAYS
    return LimitUnit.WORKING_HOURS


def limit_label(days, calendar_days, hours) -> str:
    """ "30 ngày làm việc", "30 ngày" (calendar days, as the law writes them), "4 giờ làm việc"."""
    if days is not None:
        return _("%(n)s ngày làm việc") % {"n": days}
    if calendar_days is not None:
        return _("%(n)s ngày") % {"n": calendar_days}
    return _("%(n)s giờ làm việc") % {"n": f"{Decimal(hours).normalize():f}"}


class ProcedureStep(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("bước"))
    name = models.CharField(_("nội dung công việc"), max_length=300)
    unit = models.ForeignKey(
        "quality_core.Unit",
        verbose_name=_("đơn vị thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    budget_hours = models.DecimalField(
        _("thời gian (giờ làm việc)"), max_digits=7, decimal_places=2
    )

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "order"], name="step_order")]

    def __str__(self):
        return f"{self.order}. {self.name}"


class Channel(models.TextChoices):
    DESK = "desk", _("Trực tiếp")
    PORTAL = "portal", _("Trực tuyến")
    POST = "post", _("Bưu chính")


class AppStatus(models.TextChoices):
    RECEIVED = "received", _("Mới tiếp nhận")
    IN_PROGRESS = "in_progress", _("Đang giải quyết")
    SUPPLEMENT = "supplement", _("Chờ bổ sung")
    COMPLETED = "completed", _("Đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")
    REFUSED = "refused", _("Từ chối")
    WITHDRAWN = "withdrawn", _("Rút hồ sơ")


OPEN_STATUSES = (AppStatus.RECEIVED, AppStatus.IN_PROGRESS, AppStatus.SUPPLEMENT)


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Trễ hạn")


def code_trigrams(code: str) -> list[str]:
    """Every three-character window of the lowercased code: what the substring search matches.

    Searching any part of a code needs an index that finds substrings. pg_trgm would be the
    usual answer, but the embedded PostgreSQL (pgserver) has no extensions, and production
    must run what development tests. So the trigrams are stored in a text[] column with a
    GIN index (the built-in array_ops): a search asks for the rows holding all of the
    term's trigrams (`@>`) and confirms with icontains, as trigrams alone do not fix their
    order. Stored rather than an expression index over the code: an expression evaluated
    per row (98 substrings) made a seq scan of 200,000 rows take seconds whenever the
    planner preferred one (a term common to every code); a stored array is read as it is.
    """
    lowered = code.lower()
    return sorted({lowered[i : i + 3] for i in range(len(lowered) - 2)})


class Application(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=100, unique=True)
    # code_trigrams(code), written with the code: by applications_rebuild(), and again when
    # a merge or split renames a colliding code (eiso/fleet/merge.py). The database
    # default only keeps raw SQL loads (the benchmarks) working: such rows are not found by
    # a search of three characters or more until they are written through the service.
    code_trigrams = ArrayField(models.TextField(), default=list, db_default="{}", editable=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="applications")
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("hình thức nộp"), max_length=16, choices=Channel.choices)
    applicant = models.CharField(_("người nộp"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("tiếp nhận"))
    count_start_at = models.DateTimeField(_("bắt đầu tính thời hạn"))
    due_at = models.DateTimeField(_("hạn giải quyết"))
    promised_at = models.DateTimeField(_("hẹn lại (xin lỗi)"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=16, choices=AppStatus.choices)
    current_step = models.PositiveSmallIntegerField(_("bước hiện tại"), null=True, blank=True)
    current_unit = models.CharField(_("đang ở"), max_length=255, blank=True)
    completed_at = models.DateTimeField(_("có kết quả"), null=True, blank=True)
    returned_at = models.DateTimeField(_("trả kết quả"), null=True, blank=True)
    ended_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    timeliness = models.CharField(
        _("tiến độ"), max_length=8, choices=Timeliness.choices, blank=True
    )
    late_seconds = models.PositiveIntegerField(default=0)
    supplement_count = models.PositiveSmallIntegerField(default=0)
    apology_count = models.PositiveSmallIntegerField(default=0)
    agency_fault = models.BooleanField(_("lỗi của cơ quan"), default=False)
    note = models.CharField(max_length=500, blank=True)
    events = models.PositiveIntegerField(default=0)
    last_event_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hồ sơ TTHC")
        verbose_name_plural = _("hồ sơ TTHC")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="app_recent"),
            models.Index(fields=["status", "-received_at"], name="app_status"),
            models.Index(fields=["procedure", "-received_at"], name="app_procedure"),
            models.Index(fields=["timeliness", "-received_at"], name="app_timeliness"),
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["received", "in_progress", "supplement"]),
                name="app_open_due",
            ),
            models.Index(fields=["completed_at"], name="app_completed"),
            # code prefix search (istartswith) without a sequential scan
            models.Index(
                OpClass(Upper("code"), name="varchar_pattern_ops"), name="app_code_prefix"
            ),
            # any part of the code (three characters or more): see code_trigrams()
            GinIndex(fields=["code_trigrams"], name="app_code_trigrams"),
        ]

    def __str__(self):
        return self.code

    def get_status_display(self) -> str:
        # Django's own translates every choice to find one, and the list asks once a row.
        try:
            return str(AppStatus(self.status).label)
        except ValueError:
            return self.status

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


HANDOFF_KINDS = {
    "received": _("Tiếp nhận hồ sơ"),
    "handed_over": _("Chuyển hồ sơ"),
    "supplement_requested": _("Yêu cầu bổ sung"),
    "supplement_received": _("Nhận hồ sơ bổ sung"),
    "apology": _("Xin lỗi, hẹn lại ngày trả"),
    "completed": _("Có kết quả"),
    "returned": _("Trả kết quả"),
    "refused": _("Từ chối"),
    "withdrawn": _("Rút hồ sơ"),
}


class HandOff(models.Model):
    """One row of the process-control sheet (Phiếu kiểm soát quá trình giải quyết hồ sơ)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="handoffs")
    seq = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=32)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    step_name = models.CharField(max_length=300, blank=True)
    from_unit = models.CharField(_("bên giao"), max_length=255, blank=True)
    from_officer = models.CharField(_("người giao"), max_length=255, blank=True)
    to_unit = models.CharField(_("bên nhận"), max_length=255, blank=True)
    to_officer = models.CharField(_("người nhận"), max_length=255, blank=True)
    at = models.DateTimeField(_("thời gian"))
    due_at = models.DateTimeField(_("hạn của bước"), null=True, blank=True)
    on_time = models.BooleanField(_("đúng hạn"), null=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        ordering = ["application", "seq"]
        constraints = [models.UniqueConstraint(fields=["application", "seq"], name="handoff_seq")]
        indexes = [models.Index(fields=["at"], name="handoff_at")]

    def __str__(self):
        return f"{self.application_id}#{self.seq}"

    @property
    def kind_label(self) -> str:
        return str(HANDOFF_KINDS.get(self.kind, self.kind))


class DailyStat(models.Model):
    """Applications received and completed per day and procedure (Asia/Ho_Chi_Minh days).

    Kept in step with the applications by `services/stats.py`, so that statistics read a few
    hundred rows instead of every application.
    """

    day = models.DateField()
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    received = models.PositiveIntegerField(default=0)
    early = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "procedure"], name="dailystat_key")]

    def __str__(self):
        return f"{self.day} {self.procedure_id}"


class StepDailyStat(models.Model):
    """Steps closed on time or late per day, procedure, step and giving unit."""

    day = models.DateField()
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    step = models.PositiveSmallIntegerField(null=True)
    step_name = models.CharField(max_length=300)
    unit = models.CharField(max_length=255)
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="stepdailystat_day")]

    def __str__(self):
        return f"{self.day} {self.step_name}"
