"""Documented information (ISO 9001:2015 clause 7.5): documents, revisions, files,
distribution and acknowledgements, and the record register. Agency schema."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform import untrusted

USER = settings.AUTH_USER_MODEL


class DocType(models.TextChoices):
    QUALITY_POLICY = "policy", _("Chính sách chất lượng")
    QUALITY_OBJECTIVES = "objectives", _("Mục tiêu chất lượng")
    SYSTEM_PROCEDURE = "system_procedure", _("Quy trình hệ thống (QT)")
    TTHC_PROCESS = "tthc_process", _("Quy trình giải quyết thủ tục hành chính")
    WORK_INSTRUCTION = "instruction", _("Hướng dẫn công việc (HD)")
    FORM = "form", _("Biểu mẫu (BM)")
    MANUAL = "manual", _("Sổ tay chất lượng, tài liệu nội bộ khác")
    EXTERNAL = "external", _("Tài liệu bên ngoài, văn bản pháp luật")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Chưa ban hành")
    IN_FORCE = "in_force", _("Đang hiệu lực")
    WITHDRAWN = "withdrawn", _("Hết hiệu lực (đã thu hồi)")


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    UNDER_REVIEW = "under_review", _("Đang xem xét")
    ISSUED = "issued", _("Đã ban hành")
    SUPERSEDED = "superseded", _("Hết hiệu lực (đã thay thế)")
    WITHDRAWN = "withdrawn", _("Hết hiệu lực (đã thu hồi)")
    CANCELLED = "cancelled", _("Đã huỷ")


class LegalStatus(models.TextChoices):
    IN_FORCE = "in_force", _("Còn hiệu lực")
    EXPIRED = "expired", _("Hết hiệu lực")
    REPLACED = "replaced", _("Bị thay thế")


class CodeRule(models.Model):
    """The agency's pattern for document codes of one type (a regular expression)."""

    doc_type = models.CharField(
        _("loại tài liệu"), max_length=24, choices=DocType.choices, unique=True
    )
    pattern = models.CharField(_("mẫu mã (biểu thức chính quy)"), max_length=200)
    example = models.CharField(_("ví dụ"), max_length=60)

    class Meta:
        verbose_name = _("quy tắc mã tài liệu")
        ordering = ["doc_type"]

    def __str__(self):
        return f"{self.doc_type}: {self.example}"


class Document(models.Model):
    doc_type = models.CharField(_("loại tài liệu"), max_length=24, choices=DocType.choices)
    code = models.CharField(_("mã tài liệu"), max_length=60)
    title = models.CharField(_("tên tài liệu"), max_length=500)
    unit = models.ForeignKey(
        "quality_core.Unit",
        verbose_name=_("đơn vị chủ trì"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    status = models.CharField(
        _("tình trạng"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    current_revision = models.ForeignKey(
        "Revision", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    latest_revision = models.ForeignKey(
        "Revision", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    review_months = models.PositiveSmallIntegerField(_("chu kỳ xem xét (tháng)"), default=12)
    next_review_on = models.DateField(_("ngày xem xét định kỳ"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    pack_key = models.CharField(
        max_length=80, blank=True, help_text="Template-pack item this document came from."
    )
    # External documents (legal texts)
    legal_number = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255, blank=True)
    signed_on = models.DateField(_("ngày ký"), null=True, blank=True)
    legal_effective_on = models.DateField(_("ngày có hiệu lực"), null=True, blank=True)
    legal_status = models.CharField(
        _("hiệu lực"), max_length=16, choices=LegalStatus.choices, blank=True
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("được thay thế bởi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    # Search: folded (no diacritics, lower case) code, title and file texts.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("tài liệu")
        verbose_name_plural = _("tài liệu")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(Upper("code"), name="document_code_unique_ci"),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="document_search_gin"),
            models.Index(fields=["status", "doc_type", "code"], name="document_register_idx"),
            models.Index(fields=["next_review_on"], name="document_review_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_doc_type_display(self) -> str:
        # Django's own translates every choice to find one, and the register asks once a row.
        try:
            return str(DocType(self.doc_type).label)
        except ValueError:
            return self.doc_type

    @property
    def is_external(self) -> bool:
        return self.doc_type == DocType.EXTERNAL

    @property
    def is_out_of_force(self) -> bool:
        if self.is_external:
            return self.legal_status in (LegalStatus.EXPIRED, LegalStatus.REPLACED)
        return self.status == DocumentStatus.WITHDRAWN

    def is_review_due(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == DocumentStatus.IN_FORCE
            and self.next_review_on is not None
            and self.next_review_on <= today
        )


class Revision(models.Model):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("số thứ tự bản"))
    issue_number = models.PositiveIntegerField(_("lần ban hành"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT
    )
    title = models.CharField(_("tên tài liệu"), max_length=500)
    body = models.TextField(_("nội dung"), blank=True)
    change_summary = models.TextField(_("nội dung sửa đổi"), blank=True)
    change_location = models.CharField(_("vị trí sửa đổi"), max_length=300, blank=True)
    change_reason = models.TextField(_("lý do sửa đổi"), blank=True)
    effective_on = models.DateField(_("ngày hiệu lực"), null=True, blank=True)
    drafted_by = models.ForeignKey(
        USER,
        verbose_name=_("người soạn thảo"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    drafted_at = models.DateTimeField(default=timezone.now)
    reviewer = models.ForeignKey(
        USER,
        verbose_name=_("người xem xét được giao"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER,
        verbose_name=_("người kiểm tra"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        USER,
        verbose_name=_("người phê duyệt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(_("hết hiệu lực từ"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_request = models.OneToOneField(
        "ChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="revision"
    )

    class Meta:
        verbose_name = _("phiên bản tài liệu")
        verbose_name_plural = _("phiên bản tài liệu")
        ordering = ["document", "-number"]
        permissions = [("approve_revision", "Phê duyệt và ban hành tài liệu (được uỷ quyền)")]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="revision_number_unique"),
            models.UniqueConstraint(
                fields=["document", "issue_number"], name="revision_issue_number_unique"
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status="issued"),
                name="one_issued_revision_per_document",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["issued", "superseded", "withdrawn"])
                | Q(issue_number__isnull=False, approved_by__isnull=False),
                name="issued_revision_has_issue_number_and_approver",
            ),
        ]

    def __str__(self):
        return f"{self.document.code} bản {self.number}"

    @property
    def is_checked(self) -> bool:
        """Checked by the reviewer ("Đã kiểm tra"), waiting for the approver's decision."""
        return self.status == RevisionStatus.UNDER_REVIEW and self.reviewed_at is not None

    @property
    def status_label(self) -> str:
        """The status as people read it: a checked revision is no longer being reviewed."""
        if self.is_checked:
            return str(_("Đã kiểm tra, chờ phê duyệt"))
        return self.get_status_display()

    @property
    def is_editable(self) -> bool:
        return self.status == RevisionStatus.DRAFT

    @property
    def is_out_of_force(self) -> bool:
        return self.status in (RevisionStatus.SUPERSEDED, RevisionStatus.WITHDRAWN)


class ReviewNote(models.Model):
    """A reviewer's or approver's comment; sending a draft back always carries one."""

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("ý kiến"))
    sent_back = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text[:60]


class ChangeRequestStatus(models.TextChoices):
    OPEN = "open", _("Chờ xử lý")
    ACCEPTED = "accepted", _("Đã chấp nhận")
    REJECTED = "rejected", _("Không chấp nhận")


class ChangeRequest(models.Model):
    """Phiếu yêu cầu sửa đổi tài liệu: accepting it starts a new draft revision."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="change_requests")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(_("lý do đề nghị sửa đổi"))
    proposal = models.TextField(_("nội dung đề nghị sửa đổi"), blank=True)
    status = models.CharField(
        max_length=16, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.OPEN
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"YCSĐ {self.document.code} #{self.pk}"


def revision_file_path(instance: RevisionFile, filename: str) -> str:
    from django.db import connection

    # Stored per agency: the schema is the first path component.
    return (
        f"{connection.schema_name}/documents/{instance.revision.document_id}/"
        f"{instance.revision_id}/{instance.sha256[:16]}-{instance.name}"
    )


class TextStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ trích xuất nội dung")
    RUNNING = "running", _("Đang trích xuất nội dung")
    DONE = "done", _("Đã trích xuất nội dung")
    NOT_EXTRACTED = "not_extracted", _("Không trích xuất nội dung")


class RevisionFile(models.Model):
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=revision_file_path, max_length=500)
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True, help_text="Text extracted for search.")
    text_status = models.CharField(
        _("trích xuất nội dung"),
        max_length=16,
        choices=TextStatus.choices,
        default=TextStatus.PENDING,
    )
    text_refusal = models.JSONField(
        default=dict,
        blank=True,
        help_text="Why the text was not extracted: iso_platform.untrusted.Refused.as_json().",
    )
    text_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name

    @property
    def text_problem(self) -> str:
        """Why the file's text is not searchable, in the reader's language ("" if it is, or
        will be soon). An extraction still running past the task's hard time limit was
        killed with its worker child: it says so."""

        if self.text_status == TextStatus.NOT_EXTRACTED:
            return untrusted.refusal_message(self.text_refusal)
        killed_after = datetime.timedelta(seconds=settings.UNTRUSTED_PARSE_SECONDS + 60)
        if (
            self.text_status == TextStatus.RUNNING
            and self.text_started_at is not None
            and timezone.now() - self.text_started_at > killed_after
        ):
            return untrusted.refusal_message({"code": "stopped"})
        return ""


class SignatureCheck(models.TextChoices):
    """The verdict on a file's digital signatures (iso_platform.signing's statuses, plus
    waiting and refused)."""

    PENDING = "pending", _("Đang kiểm tra chữ ký số…")
    VALID = "valid", _("Chữ ký hợp lệ")
    UNSIGNED = "unsigned", _("Không có chữ ký số")
    MODIFIED = "modified", _("Đã bị thay đổi sau khi ký")
    INVALID = "invalid", _("Chữ ký không hợp lệ")
    UNTRUSTED = "untrusted", _("Không do tổ chức được tin cậy cấp")
    REVOKED = "revoked", _("Chứng thư số đã bị thu hồi")
    EXPIRED = "expired", _("Chứng thư số hết hạn khi ký")
    NOT_YET_VALID = "not_yet_valid", _("Chứng thư số chưa có hiệu lực khi ký")
    TIMESTAMP_INVALID = "timestamp_invalid", _("Dấu thời gian không hợp lệ")
    REFUSED = "refused", _("Không kiểm tra được")


class FileVerification(models.Model):
    """The last verification of a PDF file's digital signatures (the audit trail keeps every
    one). `attempt` grows with each request, so a slow older run never overwrites the result
    of a newer one."""

    file = models.OneToOneField(RevisionFile, on_delete=models.CASCADE, related_name="verification")
    status = models.CharField(
        _("kết quả kiểm tra chữ ký số"),
        max_length=20,
        choices=SignatureCheck.choices,
        default=SignatureCheck.PENDING,
    )
    message = models.TextField(
        blank=True, help_text="The sentence for the clerk, in Vietnamese, as verified."
    )
    signatures = models.JSONField(
        default=list, blank=True, help_text="One object per signature (see signatures.py)."
    )
    refusal = models.JSONField(
        default=dict, blank=True, help_text="Why the file was not verified: Refused.as_json()."
    )
    revocation_unreachable = models.BooleanField(default=False)
    trust_fingerprints = models.JSONField(
        default=list, blank=True, help_text="SHA-256 of the trust anchors verified against."
    )
    attempt = models.PositiveIntegerField(default=1)
    requested_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kết quả kiểm tra chữ ký số")

    def __str__(self):
        return f"{self.file}: {self.status}"

    @property
    def is_pending(self) -> bool:
        return self.status == SignatureCheck.PENDING

    @property
    def is_valid(self) -> bool:
        return self.status == SignatureCheck.VALID

    @property
    def may_retry(self) -> bool:
        """Done, or waiting past the task's hard time limit (its worker was killed)."""
        killed_after = datetime.timedelta(seconds=settings.UNTRUSTED_PARSE_SECONDS + 150)
        return not self.is_pending or timezone.now() - self.requested_at > killed_after

    @property
    def sentence(self) -> str:
        """The file's sentence in the reader's language (the stored one is Vietnamese)."""
        # The services import this module: read lazily.
        from quality.documents.services import signatures

        if self.status == SignatureCheck.PENDING:
            return str(SignatureCheck.PENDING.label)
        if self.status == SignatureCheck.REFUSED:
            return untrusted.refusal_message(self.refusal)
        return signatures.headline(self.signatures)[1]

    @property
    def details(self) -> list[dict]:
        """Each signature with its sentence and its time, for the details panel."""
        from quality.documents.services import signatures  # as above

        return signatures.displayed(self.signatures)


class Distribution(models.Model):
    """To whom an issued revision was sent: a unit (all its members) or one person."""

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="distributions")
    unit = models.ForeignKey(
        "quality_core.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(user__isnull=False), name="distribution_target"
            )
        ]

    def __str__(self):
        return f"{self.revision_id} -> {self.unit_id or self.user_id}"


class Acknowledgement(models.Model):
    revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="acknowledgements")
    distributed_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-distributed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "user"], name="acknowledgement_once")
        ]
        indexes = [models.Index(fields=["user", "acknowledged_at"])]

    def __str__(self):
        return f"{self.revision_id}/{self.user_id}"


class DisposalMethod(models.TextChoices):
    DESTROY = "destroy", _("Tiêu huỷ")
    ARCHIVE = "archive", _("Chuyển lưu trữ cơ quan")
    RETURN = "return", _("Trả lại / bàn giao")


class RecordSeries(models.Model):
    """One line of the record register (danh mục hồ sơ) for one ISO year."""

    year = models.PositiveSmallIntegerField(_("năm"))
    procedure = models.ForeignKey(
        Document,
        verbose_name=_("quy trình"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="record_series",
    )
    name = models.CharField(_("tên hồ sơ"), max_length=300)
    keeper_unit = models.ForeignKey(
        "quality_core.Unit",
        verbose_name=_("đơn vị lưu giữ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    keeper = models.CharField(_("người lưu giữ"), max_length=200, blank=True)
    location = models.CharField(_("nơi lưu"), max_length=300, blank=True)
    retention_months = models.PositiveSmallIntegerField(
        _("thời gian lưu (tháng)"),
        null=True,
        blank=True,
        help_text=_("Để trống nếu lưu vĩnh viễn."),
    )
    disposal_method = models.CharField(
        _("cách huỷ"), max_length=16, choices=DisposalMethod.choices, default=DisposalMethod.DESTROY
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hồ sơ (danh mục)")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "procedure", "name"],
                name="record_series_unique_per_year",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.year})"


class RecordEntry(models.Model):
    series = models.ForeignKey(RecordSeries, on_delete=models.PROTECT, related_name="entries")
    reference = models.CharField(_("số hiệu, trích yếu"), max_length=300)
    dated_on = models.DateField(_("ngày"))
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-dated_on", "-id"]

    def __str__(self):
        return self.reference

    def retention_ends_on(self) -> datetime.date | None:
        months = self.series.retention_months
        if months is None:
            return None
        year, month = divmod(self.dated_on.month - 1 + months, 12)
        return _safe_date(self.dated_on.year + year, month + 1, self.dated_on.day)


def _safe_date(year: int, month: int, day: int) -> datetime.date:
    import calendar

    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


class RecordDisposal(models.Model):
    """The disposal of a record is itself a record."""

    entry = models.OneToOneField(RecordEntry, on_delete=models.PROTECT, related_name="disposal")
    method = models.CharField(_("hình thức"), max_length=16, choices=DisposalMethod.choices)
    disposed_on = models.DateField(_("ngày huỷ"))
    minutes_reference = models.CharField(_("số biên bản"), max_length=100, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.entry_id} {self.method} {self.disposed_on}"
