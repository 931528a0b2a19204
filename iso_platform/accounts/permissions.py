"""Who may do what on the province console (public schema)."""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from iso_platform.accounts.models import PROVINCE_ROLES, Role


def _in_public(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and tenant.is_public


def is_province_user(request) -> bool:
    user = request.user
    return (
        _in_public(request)
        and user.is_authenticated
        and user.is_active
        and user.role in PROVINCE_ROLES
    )


def is_province_admin(request) -> bool:
    return is_province_user(request) and request.user.role == Role.PROVINCE_ADMIN


class ProvinceUserRequiredMixin(AccessMixin):
    """Provincial administrators and department analysts."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed(request):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def allowed(self, request) -> bool:
        return is_province_user(request)


class ProvinceAdminRequiredMixin(ProvinceUserRequiredMixin):
    def allowed(self, request) -> bool:
        return is_province_admin(request)


class IsProvinceUser(BasePermission):
    message = _("Chỉ người dùng cấp tỉnh được truy cập.")

    def has_permission(self, request, view):
        return is_province_user(request)


class IsProvinceAdmin(BasePermission):
    message = _("Chỉ quản trị viên cấp tỉnh được thực hiện thao tác này.")

    def has_permission(self, request, view):
        return is_province_admin(request)


class IsProvinceAdminOrReadOnly(BasePermission):
    message = IsProvinceAdmin.message

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return is_province_user(request)
        return is_province_admin(request)
