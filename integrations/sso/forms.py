from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from integrations.sso.models import ProviderSettings
from integrations.sso.services import role_map_parse


class ProviderSettingsForm(forms.ModelForm):
    issuer = forms.URLField(
        label=ProviderSettings._meta.get_field("issuer").verbose_name,
        help_text=ProviderSettings._meta.get_field("issuer").help_text,
        required=False,
        assume_scheme="https",
    )
    client_secret = forms.CharField(
        label=_("khoá bí mật (client secret)"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Để trống để giữ khoá đã lưu. Khoá được mã hoá, không hiển thị lại."),
    )

    class Meta:
        model = ProviderSettings
        fields = [
            "enabled",
            "issuer",
            "client_id",
            "scopes",
            "email_claim",
            "agency_claim",
            "name_claim",
            "roles_claim",
            "mfa_acr_values",
            "mfa_amr_values",
        ]


class AgencyPolicyForm(forms.Form):
    passwords_off = forms.BooleanField(
        label=_("Tắt đăng nhập bằng mật khẩu (chỉ đăng nhập bằng tài khoản tỉnh)"), required=False
    )
    role_map = forms.CharField(
        label=_("Gán vai trò theo tài khoản tỉnh"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Mỗi dòng “giá trị = vai trò”, ví dụ “chuyen-vien = staff”. Chỉ áp dụng cho người "
            "được thêm lần đầu qua tài khoản tỉnh; người chưa khớp dòng nào có vai trò Chỉ xem."
        ),
    )

    def clean_role_map(self):
        try:
            return role_map_parse(self.cleaned_data["role_map"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
