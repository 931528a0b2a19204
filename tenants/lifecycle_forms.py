"""Forms of the province console's life-cycle pages (merge, split, archive, import)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from tenants.models import AGENCY_KINDS_FOR_NEW, CODE_MAX_LENGTH, Agency, AgencyStatus

SUFFIX_HELP = _(
    "Mã trùng (đơn vị, tài liệu, thủ tục, hồ sơ...) được đổi bằng cách thêm hậu tố này; "
    "để trống để dùng “-<MÃ CƠ QUAN>”. Trang xem trước liệt kê từng mã và mã mới."
)


def _agencies():
    return Agency.objects.exclude(schema_name="public").order_by("name")


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Cơ quan tiếp nhận (giữ lại)"), queryset=Agency.objects.none()
    )
    source = forms.ModelChoiceField(
        label=_("Cơ quan được hợp nhất (sẽ được lưu trữ)"), queryset=Agency.objects.none()
    )
    suffix = forms.CharField(
        label=_("Hậu tố đổi mã khi trùng"), max_length=20, required=False, help_text=SUFFIX_HELP
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = _agencies().filter(status=AgencyStatus.ACTIVE)
        self.fields["source"].queryset = _agencies().filter(
            status__in=[AgencyStatus.ACTIVE, AgencyStatus.SUSPENDED], merged_into__isnull=True
        )

    def clean(self):
        data = super().clean()
        if data.get("target") and data.get("target") == data.get("source"):
            self.add_error("source", _("Hãy chọn hai cơ quan khác nhau."))
        return data


class SplitSourceForm(forms.Form):
    source = forms.ModelChoiceField(
        label=_("Cơ quan nguồn"), queryset=Agency.objects.none(), to_field_name="code"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = _agencies().filter(status=AgencyStatus.ACTIVE)


class NewAgencyFields(forms.Form):
    code = forms.CharField(label=_("Mã cơ quan mới (tên miền con)"), max_length=CODE_MAX_LENGTH)
    name = forms.CharField(label=_("Tên cơ quan mới"), max_length=255)
    kind = forms.ChoiceField(
        label=_("Loại cơ quan"), choices=[(k.value, k.label) for k in AGENCY_KINDS_FOR_NEW]
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().lower()


class SplitForm(NewAgencyFields):
    units = forms.TypedMultipleChoiceField(
        label=_("Đơn vị chuyển sang cơ quan mới"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    procedures = forms.TypedMultipleChoiceField(
        label=_("Thủ tục hành chính (kèm hồ sơ, quy trình, hồ sơ lưu) chuyển sang cơ quan mới"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    admin_name = forms.CharField(label=_("Họ tên quản trị viên cơ quan mới"), max_length=150)
    admin_email = forms.EmailField(label=_("Thư điện tử quản trị viên cơ quan mới"))
    deactivate_members = forms.BooleanField(
        label=_("Ngừng tài khoản của thành viên các đơn vị được chuyển tại cơ quan cũ"),
        required=False,
    )
    suffix = forms.CharField(
        label=_("Hậu tố đổi mã khi trùng"), max_length=20, required=False, help_text=SUFFIX_HELP
    )
    field_order = ["units", "procedures", "code", "name", "kind", "admin_name", "admin_email"]

    def __init__(self, *args, source: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        from quality.core.models import Unit
        from quality.procedures.models import Procedure

        with schema_context(source.schema_name):
            self.fields["units"].choices = [
                (u.pk, f"{u.code} — {u.name}") for u in Unit.objects.filter(is_active=True)
            ]
            self.fields["procedures"].choices = [
                (p.pk, f"{p.code} — {p.name}") for p in Procedure.objects.order_by("code")
            ]


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do lưu trữ"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ImportForm(NewAgencyFields):
    archive = forms.FileField(
        label=_("Gói dữ liệu (.zip xuất từ eISO)"),
        help_text=_("Mã kiểm tra SHA-256 của từng bảng và từng tệp được kiểm tra trước khi nhập."),
    )
