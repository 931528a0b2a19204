"""Forms of the province console's life-cycle pages (merge, split, archive, import)."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from iso_platform.accounts.models import User
from quality.core.models import Unit
from quality.procedures.models import Procedure
from tenants.models import AGENCY_KINDS_FOR_NEW, CODE_MAX_LENGTH, Agency, AgencyStatus
from tenants.services.people import MSG_PEOPLE_TWICE

SUFFIX_HELP = _(
    "Mã trùng (đơn vị, tài liệu, thủ tục, hồ sơ...) được đổi bằng cách thêm hậu tố này; "
    "để trống để dùng “-<MÃ CƠ QUAN>”. Trang xem trước liệt kê từng mã và mã mới."
)

PEOPLE_HELP = _(
    "Người được chọn đến cơ quan mới không mang theo mật khẩu, thiết bị xác thực hai bước hay "
    "quyền ở cơ quan cũ; họ nhận thư mời đặt mật khẩu. Những người khác chỉ được ghi tên trên "
    "hồ sơ họ đã lập (tài khoản bị khoá)."
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
    people = forms.CharField(
        label=_("Người của cơ quan được hợp nhất tiếp tục làm việc ở cơ quan tiếp nhận"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            "{} {}", _("Mỗi dòng một địa chỉ thư điện tử; để trống nếu chưa chọn ai."), PEOPLE_HELP
        ),
    )

    def clean_people(self):
        return [e.strip().lower() for e in self.cleaned_data["people"].replace(",", "\n").split()]

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
    identifier = forms.CharField(
        label=_("Mã định danh điện tử của cơ quan mới"),
        max_length=40,
        required=False,
        help_text=_("Ví dụ 000.00.12.H13; có thể bổ sung sau trên trang của cơ quan."),
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
    admin_email = forms.EmailField(
        label=_("Thư điện tử quản trị viên cơ quan mới"),
        help_text=_("Người này nhận thư mời đặt mật khẩu của cơ quan mới."),
    )
    # Nobody is preselected: a person goes to another agency only when chosen here.
    people_move = forms.TypedMultipleChoiceField(
        label=_("Người chuyển sang cơ quan mới (ngừng tài khoản ở cơ quan cũ)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=PEOPLE_HELP,
    )
    people_copy = forms.TypedMultipleChoiceField(
        label=_("Người làm việc ở cả hai cơ quan (giữ tài khoản ở cơ quan cũ)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=PEOPLE_HELP,
    )
    suffix = forms.CharField(
        label=_("Hậu tố đổi mã khi trùng"), max_length=20, required=False, help_text=SUFFIX_HELP
    )
    field_order = [
        "units",
        "procedures",
        "code",
        "name",
        "kind",
        "identifier",
        "admin_name",
        "admin_email",
        "people_move",
        "people_copy",
    ]

    def __init__(self, *args, source: Agency, **kwargs):
        super().__init__(*args, **kwargs)

        with schema_context(source.schema_name):
            self.fields["units"].choices = [
                (u.pk, f"{u.code} — {u.name}") for u in Unit.objects.filter(is_active=True)
            ]
            self.fields["procedures"].choices = [
                (p.pk, f"{p.code} — {p.name}") for p in Procedure.objects.order_by("code")
            ]
            people = [(u.pk, f"{u.full_name} <{u.email}>") for u in _people()]
        self.fields["people_move"].choices = people
        self.fields["people_copy"].choices = people

    def clean(self):
        data = super().clean()
        if set(data.get("people_move") or ()) & set(data.get("people_copy") or ()):
            self.add_error("people_copy", _(MSG_PEOPLE_TWICE))
        return data


def _people():

    return User.objects.filter(is_active=True).order_by("full_name", "email")


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
