"""Billing, in the public schema: plans and their versions, subscriptions and their periods,
daily usage, invoices with their lines, and the gapless invoice counters.

Money is always an integer number of Vietnamese dong (no floats, no Decimal columns); VAT
rates are integers in per-mille (100 = 10 %). Invoices copy every price into their lines, so
a new plan version never changes an invoice already issued. See billing/README.md for the
proration, rounding, overage and numbering rules.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Agency

GIB = 1024**3  # "1 GB" in prices and limits


class Plan(models.Model):
    code = models.CharField(_("mã gói"), max_length=40, unique=True)
    name = models.CharField(_("tên gói"), max_length=200)
    is_pilot = models.BooleanField(_("gói dùng thử"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("gói dịch vụ")
        verbose_name_plural = _("gói dịch vụ")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.name}"


class PlanVersion(models.Model):
    """The terms of a plan from `effective_from` on. Never edited once created."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    effective_from = models.DateField(_("áp dụng từ"))
    monthly_price = models.PositiveBigIntegerField(_("giá tháng (đồng)"))
    included_users = models.PositiveIntegerField(_("số người dùng"))
    included_storage_bytes = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    included_applications = models.PositiveIntegerField(_("số hồ sơ mỗi tháng"))
    price_extra_user = models.PositiveBigIntegerField(_("giá mỗi người dùng thêm"), default=0)
    price_extra_gb = models.PositiveBigIntegerField(_("giá mỗi GB thêm"), default=0)
    price_extra_100_applications = models.PositiveBigIntegerField(
        _("giá mỗi 100 hồ sơ thêm"), default=0
    )
    vat_permille = models.PositiveSmallIntegerField(_("thuế GTGT (‰)"), default=100)
    pilot_days = models.PositiveSmallIntegerField(_("số ngày dùng thử"), null=True, blank=True)
    hard_limits = models.BooleanField(
        _("giới hạn cứng"),
        default=False,
        help_text=_("Từ chối thêm người dùng hoặc tệp vượt định mức (thay vì tính phí vượt)."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("phiên bản gói")
        verbose_name_plural = _("phiên bản gói")
        ordering = ["plan", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="plan_version_once"),
            models.UniqueConstraint(fields=["plan", "effective_from"], name="plan_version_day"),
            models.CheckConstraint(condition=Q(vat_permille__lte=1000), name="plan_vat_max"),
        ]

    def __str__(self):
        return f"{self.plan.code} v{self.version}"

    @property
    def is_free(self) -> bool:
        return self.monthly_price == 0


class Payer(models.TextChoices):
    AGENCY = "agency", _("Cơ quan tự chi trả")
    PROVINCE = "province", _("Tỉnh chi trả tập trung")


class SubscriptionStatus(models.TextChoices):
    PILOT = "pilot", _("Dùng thử")
    ACTIVE = "active", _("Đang sử dụng")
    PAST_DUE = "past_due", _("Quá hạn thanh toán")
    SUSPENDED = "suspended", _("Tạm ngừng")
    CANCELLED = "cancelled", _("Đã huỷ")


class Subscription(models.Model):
    """One per agency; its `periods` are the history that invoicing reads."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="subscription")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    payer = models.CharField(_("bên chi trả"), max_length=16, choices=Payer.choices)
    started_on = models.DateField(_("ngày bắt đầu"))
    pilot_end = models.DateField(_("hết hạn dùng thử"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=16, choices=SubscriptionStatus.choices)
    status_changed_at = models.DateTimeField(default=timezone.now)
    after_pilot_plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gói sau dùng thử"),
    )
    pilot_notified_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thuê bao")
        verbose_name_plural = _("thuê bao")
        ordering = ["agency__name"]

    def __str__(self):
        return f"{self.agency_id}: {self.plan_version} ({self.status})"

    @property
    def read_only(self) -> bool:
        return self.status == SubscriptionStatus.SUSPENDED


class SubscriptionPeriod(models.Model):
    """A stretch of days on one plan version and payer: [valid_from, valid_to)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="periods")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    payer = models.CharField(max_length=16, choices=Payer.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Exclusive; empty: open.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["subscription", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "valid_from"], name="subscription_period_start_once"
            ),
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(valid_to=None),
                name="subscription_one_open_period",
            ),
            models.CheckConstraint(
                condition=Q(valid_to=None) | Q(valid_to__gt=models.F("valid_from")),
                name="subscription_period_not_empty",
            ),
        ]

    def __str__(self):
        return f"{self.subscription_id} {self.plan_version} {self.valid_from}–{self.valid_to}"


class UsageDaily(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="usage_days")
    day = models.DateField()
    active_users = models.PositiveIntegerField(default=0)
    storage_bytes = models.PositiveBigIntegerField(default=0)
    applications_received = models.PositiveIntegerField(default=0)
    measured_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency", "-day"]
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="usage_daily_once")]

    def __str__(self):
        return f"{self.agency_id} {self.day}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Hoá đơn")
    CREDIT_NOTE = "credit_note", _("Hoá đơn điều chỉnh giảm")


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Đã phát hành")
    PAID = "paid", _("Đã thanh toán")
    OVERDUE = "overdue", _("Quá hạn")
    VOID = "void", _("Đã huỷ")


class Invoice(models.Model):
    """An invoice (or a credit note) to one payer for one month. Never deleted."""

    kind = models.CharField(max_length=16, choices=InvoiceKind.choices, default="invoice")
    payer = models.CharField(_("bên chi trả"), max_length=16, choices=Payer.choices)
    payer_key = models.CharField(max_length=40, help_text="'province' or 'agency:<id>'.")
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        help_text="The paying agency; empty for the province's consolidated invoice.",
    )
    buyer_name = models.CharField(_("đơn vị mua"), max_length=255)
    period = models.DateField(_("kỳ (tháng)"), help_text="First day of the invoiced month.")
    year = models.PositiveSmallIntegerField(help_text="Year of the number's series.")
    number = models.PositiveIntegerField(_("số"))
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=InvoiceStatus.choices, default="issued"
    )
    subtotal = models.BigIntegerField(_("cộng tiền hàng"))
    vat_amount = models.BigIntegerField(_("tiền thuế GTGT"))
    total = models.BigIntegerField(_("tổng cộng"))
    issued_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(_("hạn thanh toán"))
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_reference = models.CharField(_("mã giao dịch chuyển khoản"), max_length=100, blank=True)
    paid_by_label = models.CharField(max_length=254, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminder_on = models.DateField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(_("lý do huỷ"), max_length=500, blank=True)
    voided_by_label = models.CharField(max_length=254, blank=True)
    credit_for = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_note",
        help_text="Credit note: the invoice it cancels.",
    )

    class Meta:
        verbose_name = _("hoá đơn")
        verbose_name_plural = _("hoá đơn")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer_key", "year", "number"], name="invoice_number_once"
            ),
            models.UniqueConstraint(
                fields=["payer_key", "period"],
                condition=Q(kind="invoice") & ~Q(status="void"),
                name="invoice_once_per_payer_period",
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="invoice_period_is_month"),
            models.CheckConstraint(
                condition=Q(payer="province", agency=None)
                | Q(payer="agency", agency__isnull=False),
                name="invoice_payer_matches_agency",
            ),
        ]

    def __str__(self):
        return self.number_display

    @property
    def number_display(self) -> str:
        prefix = "DC" if self.kind == InvoiceKind.CREDIT_NOTE else "HD"
        return f"{prefix}-{self.payer_key.replace('agency:', 'CQ')}-{self.year}-{self.number:05d}"


class LineKind(models.TextChoices):
    BASE = "base", _("Phí thuê bao")
    PRORATION = "proration", _("Phí theo ngày sử dụng")
    OVERAGE = "overage", _("Vượt định mức")
    CREDIT = "credit", _("Điều chỉnh giảm")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=LineKind.choices)
    description = models.CharField(_("diễn giải"), max_length=500)
    quantity = models.BigIntegerField(_("số lượng"))
    unit_price = models.BigIntegerField(_("đơn giá"))
    amount = models.BigIntegerField(_("thành tiền"))
    vat_permille = models.PositiveSmallIntegerField()
    plan_version = models.ForeignKey(
        PlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_from = models.DateField(null=True, blank=True)
    period_to = models.DateField(null=True, blank=True, help_text="Inclusive.")

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position")
        ]

    def __str__(self):
        return f"{self.invoice_id}#{self.position} {self.amount}"


class InvoiceCounter(models.Model):
    """The last number used per payer and year; locked FOR UPDATE while an invoice is made."""

    payer_key = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payer_key", "year"], name="invoice_counter_once")
        ]

    def __str__(self):
        return f"{self.payer_key} {self.year}: {self.last_number}"
