"""The province's trust list and signing configuration (public schema: one for the whole
platform; agencies read it through iso_platform.signing.selectors)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TrustAnchor(models.Model):
    """A CA certificate whose chains eISO accepts (a root CA of a recognised provider of
    digital signature services, for example the Government CA of Ban Cơ yếu Chính phủ)."""

    der = models.BinaryField(_("chứng thư số (DER)"))
    subject = models.CharField(_("chủ thể"), max_length=1000)
    fingerprint = models.CharField(_("dấu vân tay SHA-256"), max_length=64, unique=True)
    valid_from = models.DateTimeField(_("hiệu lực từ"))
    valid_to = models.DateTimeField(_("hiệu lực đến"))
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tổ chức chứng thực được tin cậy")
        ordering = ["-is_active", "subject"]

    def __str__(self):
        return self.subject


class SigningConfiguration(models.Model):
    """Where timestamps and remote signatures come from (one row, pk=1)."""

    timestamp_url = models.URLField(_("địa chỉ máy chủ cấp dấu thời gian (TSA)"), blank=True)
    remote_service_url = models.URLField(_("địa chỉ dịch vụ ký số từ xa (CSC)"), blank=True)
    remote_service_name = models.CharField(_("tên dịch vụ ký số từ xa"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cấu hình ký số")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="signing_configuration_singleton")
        ]

    def __str__(self):
        return "SigningConfiguration"

    @classmethod
    def load(cls) -> SigningConfiguration:
        return cls.objects.get_or_create(pk=1)[0]


class SignedPdfRecord(models.Model):
    """What every kept signed PDF holds, whoever issued it (an agency's SignedDocument, the
    department's ProvinceSignedDocument). The bytes live in the row, so that the concrete table's
    immutability trigger guards them too; `signed_by_id` is a plain integer (as the audit
    logs' actor) so that no ON DELETE action ever needs to rewrite a row."""

    title = models.CharField(max_length=500)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    # [{"kind": "person"|"agency", "name", "title", "organisation", "serial", ...}]
    signers = models.JSONField(default=list)
    signed_by_id = models.BigIntegerField(null=True)
    signed_at = models.DateTimeField(default=timezone.now)
    timestamped = models.BooleanField(default=False)
    long_term = models.BooleanField(default=False)  # PAdES B-LT: validation data embedded
    unavailable = models.JSONField(default=list)  # revocation sources that did not answer

    class Meta:
        abstract = True
        ordering = ["-signed_at", "-id"]

    def __str__(self):
        return self.title


class ProvinceSignedDocument(SignedPdfRecord):
    """A document the department signed and issued from the province console (the pilot
    evaluation report, an inspection's conclusion, the province's yearly report): the PDF
    as it was signed, with its number from the department's register of outgoing
    documents. The app that issues it names what it is of (`subject_type`, `subject_id`:
    "evaluation.wave" 3, "insights.inspection" 12, "insights.province_report" 2026) and
    reads its own through a proxy or a filter; a plain key, so that this kernel table
    points at nothing above it.

    Immutable: a database trigger refuses UPDATE and DELETE (migration
    0003_provincesigneddocument). A signed document is never changed; a later one, with a
    new number, supersedes it."""

    kind = models.CharField(max_length=10)  # the kind printed in the number: "BC", "TB"
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=60)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()  # the department's number in `year`
    number = models.CharField(max_length=60)  # as printed: "12/BC-SKHCN"
    issued_on = models.DateField()

    class Meta(SignedPdfRecord.Meta):
        constraints = [
            # The printed number ("12/BC-SKHCN") is the document's identity: used once a
            # year for a kind, whichever console page issued it.
            models.UniqueConstraint(
                fields=["year", "kind", "sequence"], name="province_signed_number_once"
            ),
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1), name="province_signed_sequence_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="province_signed_subject")
        ]


class ProvinceCredential(models.Model):
    """A province console user's own signing key, for the documents the department issues
    from the console (the pilot evaluation report). Agency staff keep theirs in their
    agency's schema (quality.core SigningCredential); this table lives in the public schema
    only. PKCS#12 only: the file is encrypted with SIGNING_KEYS_SECRET
    (iso_platform.signing.pkcs12_encrypt) and its password is asked at each signature,
    never kept."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người sở hữu"),
        on_delete=models.CASCADE,
        related_name="province_signing_credentials",
    )
    pkcs12_encrypted = models.BinaryField(default=b"", editable=False)
    certificate_pem = models.TextField()
    subject_name = models.CharField(_("chủ thể"), max_length=300)
    title = models.CharField(_("chức vụ"), max_length=200, blank=True)
    organisation = models.CharField(_("cơ quan"), max_length=300, blank=True)
    serial = models.CharField(_("số hiệu"), max_length=80)
    valid_from = models.DateTimeField(_("hiệu lực từ"))
    valid_until = models.DateTimeField(_("hiệu lực đến"))
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chữ ký số của người dùng cấp tỉnh")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(is_active=True),
                name="province_credential_one_active_per_person",
            )
        ]

    def __str__(self):
        return f"{self.subject_name} ({self.serial})"

    @property
    def is_expired(self) -> bool:
        return self.valid_until < timezone.now()
