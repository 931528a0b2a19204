"""Signing credentials (a person's or the agency's) and the signed documents, in the agency's
schema. Imported by quality.core.models, so Django finds them in the quality_core app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform.signing.models import SignedPdfRecord


class CredentialKind(models.TextChoices):
    PKCS12 = "pkcs12", _("Tệp chứng thư số (PKCS#12: .p12, .pfx)")
    PKCS11 = "pkcs11", _("Thiết bị ký số (USB token, HSM)")
    REMOTE = "remote", _("Ký số từ xa (dịch vụ của tỉnh)")


class SigningCredential(models.Model):
    """Where one signing key is and its certificate. `owner` empty: the agency's own
    certificate (the seal of electronic documents). Secrets are never kept in clear: the
    PKCS#12 file and the remote access token are encrypted with SIGNING_KEYS_SECRET
    (iso_platform.signing.pkcs12_encrypt); the PKCS#12 password and the PIN are never kept."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người sở hữu"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="signing_credentials",
    )
    kind = models.CharField(_("loại"), max_length=8, choices=CredentialKind.choices)
    pkcs12_encrypted = models.BinaryField(default=b"", editable=False)
    module_path = models.CharField(_("trình điều khiển PKCS#11"), max_length=255, blank=True)
    token_label = models.CharField(_("nhãn thiết bị"), max_length=100, blank=True)
    key_label = models.CharField(_("nhãn khoá"), max_length=100, blank=True)
    remote_credential_id = models.CharField(_("mã chứng thư từ xa"), max_length=200, blank=True)
    remote_token_encrypted = models.BinaryField(default=b"", editable=False)
    certificate_pem = models.TextField()
    subject_name = models.CharField(_("chủ thể"), max_length=300)
    title = models.CharField(_("chức vụ"), max_length=200, blank=True)
    organisation = models.CharField(_("cơ quan"), max_length=300, blank=True)
    serial = models.CharField(_("số hiệu"), max_length=80)
    valid_from = models.DateTimeField(_("hiệu lực từ"))
    valid_until = models.DateTimeField(_("hiệu lực đến"))
    image = models.BinaryField(default=b"", editable=False)  # PNG: signature or seal
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(is_active=True, owner__isnull=False),
                name="signing_credential_one_active_per_person",
            ),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True, owner__isnull=True),
                name="signing_credential_one_active_for_agency",
            ),
        ]

    def __str__(self):
        return f"{self.subject_name} ({self.serial})"

    @property
    def is_agency(self) -> bool:
        return self.owner_id is None

    @property
    def is_expired(self) -> bool:
        return self.valid_until < timezone.now()


class SignedDocument(SignedPdfRecord):
    """The signed PDF of one line of the register of outgoing documents, as it was signed
    (signers: person first, then the agency, with their credential's id).

    Immutable: a database trigger refuses UPDATE and DELETE (migration
    0008_signed_document_immutable). A signed document is never changed; it is withdrawn by
    a new signed decision."""

    register = models.OneToOneField(
        "quality_core.OutgoingDocument", on_delete=models.PROTECT, related_name="signed"
    )
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)

    class Meta(SignedPdfRecord.Meta):
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
