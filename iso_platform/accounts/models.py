"""People who sign in.

The same table exists in the public schema (provincial users) and in every
agency schema (that agency's staff): a person signs in on the host whose
schema holds their row, and nowhere else.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform.accounts.identifiers import normalise_email


class Role(models.TextChoices):
    # Province console (public schema)
    PROVINCE_ADMIN = "province_admin", _("Quản trị viên cấp tỉnh")
    DEPARTMENT_ANALYST = "department_analyst", _("Chuyên viên theo dõi (Sở KH&CN)")
    # Agency portal (agency schema)
    AGENCY_LEADER = "agency_leader", _("Lãnh đạo cơ quan")
    ISO_SECRETARY = "iso_secretary", _("Thư ký ISO")
    UNIT_HEAD = "unit_head", _("Trưởng đơn vị")
    STAFF = "staff", _("Chuyên viên")
    INTERNAL_AUDITOR = "internal_auditor", _("Đánh giá viên nội bộ")
    READ_ONLY = "read_only", _("Chỉ xem")


PROVINCE_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.DEPARTMENT_ANALYST})
AGENCY_ROLES = frozenset(set(Role) - PROVINCE_ROLES)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=normalise_email(email), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("role", Role.PROVINCE_ADMIN)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        # Exact: stored addresses are normalised, and a database-side case folding could
        # match a spelling the lockout counts under another key (identifiers.py).
        return self.get(email=normalise_email(username))


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("thư điện tử"), unique=True)
    full_name = models.CharField(_("họ và tên"), max_length=150)
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices, default=Role.STAFF)
    is_agency_admin = models.BooleanField(
        _("quản trị cơ quan"),
        default=False,
        help_text=_("Quản lý người dùng, khoá tích hợp và cấu hình của cơ quan."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(_("ngày tạo"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[-1] if self.full_name else self.email

    @property
    def is_province_admin(self) -> bool:
        return self.is_active and self.role == Role.PROVINCE_ADMIN

    @property
    def is_province_user(self) -> bool:
        return self.is_active and self.role in PROVINCE_ROLES


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the token is shown once."""

    PREFIX = "eiso_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(
        max_length=12, help_text="The token's first characters, to recognise it."
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("khoá API")
        verbose_name_plural = _("khoá API")

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Invitation(models.Model):
    """A one-time, expiring link to set a password. Only the token's digest is stored; a new
    invitation (resend) revokes the earlier ones; accepting or revoking ends it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
