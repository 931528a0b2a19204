"""Single sign-on with the province's OpenID Connect provider.

- `ProviderSettings` (public schema, one row): the provider as the provincial administrator
  set it on the console. The client secret is stored encrypted (Fernet, key SSO_SECRET_KEY,
  kept outside the database) so that it can be typed on the console and rotated there, and a
  copy of the database alone does not give it away. SSO_ISSUER in the environment overrides
  the row (integrations/sso/config.py).
- `AgencyPolicy` (each agency schema, one row): local passwords on or off, and the mapping
  from the provider's roles claim to an eISO role for people the provider brings in.
- `Link` (each schema): who has signed in through the provider, with which subject, when
  first and last: the proof that an administrator has used single sign-on before passwords
  can be switched off.

The app is in SHARED_APPS and TENANT_APPS, so each table exists in every schema; only the
rows named above are used in each.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform.accounts.models import User


class ProviderSettings(models.Model):
    enabled = models.BooleanField(_("bật đăng nhập một lần"), default=False)
    issuer = models.URLField(
        _("địa chỉ nhà cung cấp định danh (issuer)"),
        blank=True,
        help_text=_(
            "Ví dụ https://id.tinh.gov.vn/realms/cong-chuc; eISO đọc "
            "/.well-known/openid-configuration dưới địa chỉ này."
        ),
    )
    client_id = models.CharField(_("mã ứng dụng (client id)"), max_length=255, blank=True)
    client_secret_encrypted = models.TextField(blank=True)
    scopes = models.CharField(_("phạm vi (scopes)"), max_length=255, default="openid email profile")
    email_claim = models.CharField(_("thuộc tính thư điện tử"), max_length=100, default="email")
    agency_claim = models.CharField(_("thuộc tính cơ quan"), max_length=100, default="agency")
    name_claim = models.CharField(_("thuộc tính họ tên"), max_length=100, default="name")
    roles_claim = models.CharField(_("thuộc tính vai trò"), max_length=100, blank=True)
    mfa_acr_values = models.CharField(
        _("giá trị acr được coi là xác thực hai bước"), max_length=500, blank=True
    )
    mfa_amr_values = models.CharField(
        _("giá trị amr được coi là xác thực hai bước"), max_length=500, blank=True
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=254, blank=True)

    class Meta:
        verbose_name = _("nhà cung cấp định danh")

    def __str__(self):
        return self.issuer or "—"

    @classmethod
    def load(cls) -> ProviderSettings:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class AgencyPolicy(models.Model):
    passwords_off = models.BooleanField(_("tắt đăng nhập bằng mật khẩu"), default=False)
    # {"value of the roles claim": "eISO role"}; only for people the provider brings in.
    role_map = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return "passwords off" if self.passwords_off else "passwords on"

    @classmethod
    def load(cls) -> AgencyPolicy:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class Link(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="sso_link")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_link_subject_once")
        ]

    def __str__(self):
        return f"{self.user_id} {self.subject}"
