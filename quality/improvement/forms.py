"""Forms of the nonconformity and action pages (shape only; services decide)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from quality.core.models import Unit
from quality.core.steps import DATE, PersonField
from quality.improvement.models import (
    ActionKind,
    ActionStatus,
    NcSeverity,
    NcSource,
    NcStatus,
    RootCauseMethod,
)
from quality.improvement.services import FISHBONE_GROUPS, MAX_EVIDENCE_FILES
from quality.procedures.models import Procedure

FISHBONE_LABELS = {
    "con_nguoi": _("Con người"),
    "phuong_phap": _("Phương pháp"),
    "may_moc": _("Máy móc, thiết bị"),
    "vat_lieu": _("Vật liệu, hồ sơ đầu vào"),
    "do_luong": _("Đo lường, kiểm soát"),
    "moi_truong": _("Môi trường làm việc"),
}


class NcFilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm"), required=False)
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Chưa đóng")), ("all", _("Tất cả")), *NcStatus.choices],
    )
    source = forms.ChoiceField(
        label=_("Nguồn"), required=False, choices=[("", _("Mọi nguồn")), *NcSource.choices]
    )
    procedure = forms.ModelChoiceField(
        label=_("Thủ tục"), queryset=Procedure.objects.all(), required=False
    )
    unassigned = forms.BooleanField(label=_("Chưa có người phụ trách"), required=False)

    # Bulk steps carry the register's filters along; the page's own fields keep their names.
    FILTERS = ("q", "status", "source", "procedure", "unassigned")


class NcForm(forms.Form):
    source = forms.ChoiceField(label=_("Nguồn"), choices=NcSource.choices, initial=NcSource.SELF)
    title = forms.CharField(label=_("Nội dung sự không phù hợp"), max_length=500)
    description = forms.CharField(
        label=_("Mô tả, bằng chứng"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(label=_("Mức độ"), choices=NcSeverity.choices)
    source_ref = forms.CharField(
        label=_("Tham chiếu (số văn bản, mã hồ sơ...)"), max_length=200, required=False
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị liên quan"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    owner = PersonField(label=_("Người chịu trách nhiệm xử lý"), required=False)
    verify_after_days = forms.IntegerField(
        label=_("Kiểm tra hiệu lực sau (ngày)"),
        min_value=0,
        max_value=365,
        initial=30,
        help_text=_("Tính từ khi mọi hành động khắc phục được xác nhận; 0: kiểm tra ngay."),
    )


class AssignForm(forms.Form):
    owner = PersonField(label=_("Người chịu trách nhiệm xử lý"))
    unit = forms.ModelChoiceField(
        label=_("Đơn vị liên quan"), queryset=Unit.objects.filter(is_active=True), required=False
    )


class CorrectionForm(forms.Form):
    correction = forms.CharField(
        label=_("Khắc phục tức thời đã làm"), widget=forms.Textarea(attrs={"rows": 2})
    )


class AnalysisForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Phương pháp"), choices=RootCauseMethod.choices, widget=forms.RadioSelect
    )
    root_cause = forms.CharField(
        label=_("Nguyên nhân gốc rễ"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, 6):
            self.fields[f"why{i}"] = forms.CharField(
                label=_("Tại sao %(n)s?") % {"n": i}, required=False, max_length=500
            )
        for group in FISHBONE_GROUPS:
            self.fields[f"fb_{group}"] = forms.CharField(
                label=FISHBONE_LABELS[group],
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Mỗi nguyên nhân một dòng."),
            )

    def detail(self) -> dict:
        data = self.cleaned_data
        if data["method"] == RootCauseMethod.FIVE_WHYS:
            whys = [data[f"why{i}"].strip() for i in range(1, 6)]
            while whys and not whys[-1]:
                whys.pop()
            return {"whys": whys}
        return {
            "groups": {
                g: [line.strip() for line in data[f"fb_{g}"].splitlines() if line.strip()]
                for g in FISHBONE_GROUPS
            }
        }


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Hành động"), max_length=500)
    owner = PersonField(label=_("Người thực hiện"))
    due_on = forms.DateField(label=_("Thời hạn"), widget=DATE)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; the service checks each (type, size, storage)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data] if data else []
        if len(uploads) > MAX_EVIDENCE_FILES:
            raise ValidationError(
                _("Đính kèm tối đa %(n)s tệp minh chứng mỗi lần.") % {"n": MAX_EVIDENCE_FILES}
            )
        return [super(EvidenceField, self).clean(upload, initial) for upload in uploads]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Kết quả thực hiện"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    files = EvidenceField(
        label=_("Tệp minh chứng (PDF, DOCX, XLSX, PNG, JPG)"),
        required=False,
        help_text=_("Có thể chọn nhiều tệp; chỉ người trong cơ quan tải về được."),
    )


class VerifyForm(forms.Form):
    effective = forms.TypedChoiceField(
        label=_("Đánh giá"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Có hiệu lực")), ("no", _("Không hiệu lực, làm lại"))],
    )
    note = forms.CharField(label=_("Nhận xét"), required=False, max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), max_length=2000)


class CloseForm(forms.Form):
    verification_note = forms.CharField(
        label=_("Kết quả kiểm tra hiệu lực"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại"), required=False, choices=[("", _("Mọi loại")), *ActionKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Chưa xong")), ("all", _("Tất cả")), *ActionStatus.choices],
    )
    overdue = forms.BooleanField(label=_("Chỉ quá hạn"), required=False)
    mine = forms.BooleanField(label=_("Của tôi"), required=False)


NO_PERSON = {"invalid_choice": _("Không có người dùng đang hoạt động này trong cơ quan.")}


class IdsField(forms.Field):
    """The ticked records: ids of this agency's nonconformities (checked by the service)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Mã bản ghi được chọn không hợp lệ.")}

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        try:
            ids = {int(v) for v in values}
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(not 0 < pk < 2**63 for pk in ids):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted(ids)


class NcBulkForm(forms.Form):
    """One form, three steps (the button pressed is `op`); each step names what it needs."""

    OPS = (
        ("assign", _("Giao người xử lý")),
        ("close", _("Đóng kèm lý do")),
        ("action", _("Gắn một hành động khắc phục chung")),
    )
    NEEDS = {
        "assign": ("owner",),
        "close": ("reason",),
        "action": ("title", "action_owner", "due_on"),
    }

    op = forms.ChoiceField(
        choices=OPS,
        error_messages={
            "required": _("Chưa chọn thao tác."),
            "invalid_choice": _("Thao tác không hợp lệ."),
        },
    )
    ids = IdsField(required=False)
    all_matching = forms.BooleanField(required=False)
    owner = PersonField(
        label=_("Người chịu trách nhiệm xử lý"), required=False, error_messages=NO_PERSON
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị liên quan"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    reason = forms.CharField(
        label=_("Lý do đóng"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    title = forms.CharField(label=_("Hành động khắc phục"), required=False, max_length=500)
    action_owner = PersonField(label=_("Người thực hiện"), required=False, error_messages=NO_PERSON)
    due_on = forms.DateField(label=_("Thời hạn"), required=False, widget=DATE)
    root_cause = forms.CharField(
        label=_("Nguyên nhân gốc rễ chung"),
        required=False,
        max_length=2000,
        help_text=_("Ghi cho các bản ghi chưa phân tích nguyên nhân."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        for name in self.NEEDS.get(data.get("op"), ()):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Cần điền mục này cho thao tác đã chọn."))
        return data
