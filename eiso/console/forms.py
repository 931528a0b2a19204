from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants.models import (
    AGENCY_KINDS_FOR_NEW,
    CODE_MAX_LENGTH,
    Agency,
    AgencyStatus,
    identifier_check,
)
from tenants.services.provisioning import AgencySpec, agency_spec_validate


class AgencyCreateForm(forms.Form):
    code = forms.CharField(
        label=_("Mã cơ quan (tên miền con)"),
        max_length=CODE_MAX_LENGTH,
        help_text=_(
            "Chữ thường không dấu, chữ số, dấu gạch ngang. Ví dụ: sotp, ubnd-xa-my-hoa-hung."
        ),
    )
    name = forms.CharField(label=_("Tên cơ quan"), max_length=255)
    identifier = forms.CharField(
        label=_("Mã định danh điện tử"),
        max_length=40,
        required=False,
        help_text=_("Dùng khi liên thông văn bản; ví dụ 000.00.12.H13. Có thể bổ sung sau."),
    )
    kind = forms.ChoiceField(
        label=_("Loại cơ quan"), choices=[(k.value, k.label) for k in AGENCY_KINDS_FOR_NEW]
    )
    parent = forms.ModelChoiceField(
        label=_("Cơ quan cấp trên"),
        required=False,
        queryset=Agency.objects.none(),
        empty_label=_("— Không có —"),
    )
    admin_name = forms.CharField(label=_("Họ tên quản trị viên của cơ quan"), max_length=150)
    admin_email = forms.EmailField(
        label=_("Thư điện tử quản trị viên"), help_text=_("Người này nhận thư mời đặt mật khẩu.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = (
            Agency.objects.agencies().exclude(status=AgencyStatus.ARCHIVED).order_by("name")
        )

    def clean_code(self):
        return self.cleaned_data["code"].strip().lower()

    def clean(self):
        """The service's own checks (format, reserved, duplicate, parent), shown with the rest."""
        data = super().clean()
        parent = data.get("parent")
        spec = AgencySpec(
            code=data.get("code", ""),
            name=data.get("name", ""),
            identifier=data.get("identifier", ""),
            kind=data.get("kind", ""),
            admin_email=data.get("admin_email", ""),
            admin_name=data.get("admin_name", ""),
            parent_code=parent.code if parent else None,
        )
        try:
            agency_spec_validate(spec)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                field = "parent" if field == "parent_code" else field
                if field not in self.errors:
                    self.add_error(field, messages)
        return data

    def spec(self) -> AgencySpec:
        data = self.cleaned_data
        return AgencySpec(
            code=data["code"],
            name=data["name"],
            identifier=data.get("identifier", ""),
            kind=data["kind"],
            admin_email=data["admin_email"],
            admin_name=data["admin_name"],
            parent_code=data["parent"].code if data["parent"] else None,
        )


class IdentifierForm(forms.Form):
    """The province corrects an agency's national identifier (they changed with the 2025
    restructuring); an empty field removes it."""

    identifier = forms.CharField(
        label=_("Mã định danh điện tử"),
        max_length=40,
        required=False,
        help_text=_("Ví dụ 000.00.12.H13; để trống nếu cơ quan chưa được cấp mã."),
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency

    def clean_identifier(self):
        try:
            return identifier_check(self.cleaned_data["identifier"], exclude_pk=self.agency.pk)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0]) from exc


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do tạm ngừng"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TrustAnchorForm(forms.Form):
    certificate = forms.FileField(
        label=_("Chứng thư số của tổ chức chứng thực (CA)"),
        help_text=_("Tệp .cer, .crt, .pem hoặc .der của CA gốc hay CA trung gian được tin cậy."),
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)


class SigningConfigurationForm(forms.Form):
    timestamp_url = forms.CharField(
        label=_("Địa chỉ máy chủ cấp dấu thời gian (TSA)"),
        max_length=200,
        required=False,
        help_text=_("Để trống nếu không dùng dấu thời gian."),
    )
    remote_service_url = forms.CharField(
        label=_("Địa chỉ dịch vụ ký số từ xa (CSC)"),
        max_length=200,
        required=False,
        help_text=_("Phần địa chỉ đứng trước /csc/v1/. Để trống nếu không dùng."),
    )
    remote_service_name = forms.CharField(
        label=_("Tên dịch vụ ký số từ xa"), max_length=200, required=False
    )


class ProvinceCredentialForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp chứng thư số (.p12, .pfx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu của tệp"),
        help_text=_("Dùng để kiểm tra tệp; không được lưu."),
        required=False,  # an empty password is the library's "wrong password", in its words
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )
