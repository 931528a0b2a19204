"""Forms of the agency's team page: invite, import from CSV, change a person."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from iso_platform.accounts.models import PROVINCE_ROLES, Role
from quality.core.models import Unit

IMPORT_MAX_BYTES = 1024 * 1024


def agency_role_choices():
    return [(role.value, role.label) for role in Role if role not in PROVINCE_ROLES]


def _units():

    return Unit.objects.filter(is_active=True).order_by("name")


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class InviteForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    email = forms.EmailField(label=_("Thư điện tử"))
    role = forms.ChoiceField(label=_("Vai trò"), choices=agency_role_choices, initial=Role.STAFF)
    unit = UnitChoice(queryset=None, label=_("Đơn vị"), required=False)
    is_agency_admin = forms.BooleanField(
        label=_("Quản trị cơ quan"),
        required=False,
        help_text=_("Được mời và quản lý người dùng, khoá tích hợp và cấu hình của cơ quan."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp CSV"),
        help_text=_(
            "Dòng đầu là tên cột: họ tên, email, đơn vị (mã hoặc tên), vai trò. "
            "Tối đa 500 dòng, mã hoá UTF-8."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("Tệp lớn quá 1 MB."))
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Hãy chọn tệp .csv."))
        return upload


class PersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=agency_role_choices)
    is_agency_admin = forms.BooleanField(label=_("Quản trị cơ quan"), required=False)
    units = UnitsChoice(
        queryset=None,
        label=_("Đơn vị"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _units()
