from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import AGENCY_KINDS_FOR_NEW, CODE_MAX_LENGTH, Agency, AgencyStatus


class AgencyCreateForm(forms.Form):
    code = forms.CharField(
        label=_("Mã cơ quan (tên miền con)"),
        max_length=CODE_MAX_LENGTH,
        help_text=_(
            "Chữ thường không dấu, chữ số, dấu gạch ngang. Ví dụ: sotp, ubnd-xa-my-hoa-hung."
        ),
    )
    name = forms.CharField(label=_("Tên cơ quan"), max_length=255)
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
            Agency.objects.exclude(schema_name="public")
            .exclude(status=AgencyStatus.ARCHIVED)
            .order_by("name")
        )

    def clean_code(self):
        return self.cleaned_data["code"].strip().lower()


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do tạm ngừng"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
