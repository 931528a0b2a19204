from django import forms
from django.utils.translation import gettext_lazy as _

from iso_platform import forms as fields
from iso_platform.accounts.models import User
from quality.core.models import Unit
from quality.core.signatures.forms import SigningFields
from quality.documents.models import (
    DisposalMethod,
    DocType,
    Document,
    DocumentStatus,
    LegalStatus,
    RecordSeries,
)
from quality.documents.services.codes import code_validate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _units():
    return Unit.objects.filter(is_active=True).order_by("name")


def _people():
    return User.objects.filter(is_active=True).order_by("full_name")


class RegisterFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Tìm kiếm"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("mã, tên hoặc nội dung; gõ có dấu hoặc không")}
        ),
    )
    doc_type = forms.ChoiceField(
        label=_("Loại"), required=False, choices=[("", _("Tất cả loại"))] + DocType.choices
    )
    unit = fields.ModelChoiceField(
        label=_("Đơn vị chủ trì"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("Tất cả đơn vị"),
    )
    status = forms.ChoiceField(
        label=_("Tình trạng"),
        required=False,
        choices=[
            ("", _("Đang dùng (mặc định)")),
            (DocumentStatus.IN_FORCE, _("Đang hiệu lực")),
            ("review_due", _("Đến hạn xem xét định kỳ")),
            (DocumentStatus.DRAFT, _("Chưa ban hành")),
            ("out_of_force", _("Hết hiệu lực")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()


class DocumentCreateForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("Loại tài liệu"), choices=DocType.choices)
    code = forms.CharField(
        label=_("Mã tài liệu"),
        max_length=60,
        help_text=_("Theo quy tắc mã của cơ quan, ví dụ QT.ISO.01."),
    )
    title = forms.CharField(label=_("Tên tài liệu"), max_length=500)
    unit = fields.ModelChoiceField(
        label=_("Đơn vị chủ trì"), required=False, queryset=Unit.objects.none()
    )
    review_months = forms.IntegerField(
        label=_("Chu kỳ xem xét (tháng)"), required=False, min_value=1, max_value=120
    )
    body = forms.CharField(
        label=_("Nội dung (bản dự thảo)"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    legal_number = forms.CharField(
        label=_("Số, ký hiệu văn bản (tài liệu bên ngoài)"), required=False, max_length=100
    )
    issuer = forms.CharField(label=_("Cơ quan ban hành"), required=False, max_length=255)
    signed_on = forms.DateField(label=_("Ngày ký"), required=False, widget=DATE)
    legal_effective_on = forms.DateField(label=_("Ngày có hiệu lực"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()

    def clean(self):
        """The code rule is checked with the rest, so every error shows at once."""
        from django.core.exceptions import ValidationError

        data = super().clean()
        if data.get("doc_type") and "code" not in self.errors:
            try:
                data["code"] = code_validate(doc_type=data["doc_type"], code=data.get("code", ""))
            except ValidationError as exc:
                self.add_error("code", exc.message_dict["code"])
        return data

    def legal(self) -> dict:
        data = self.cleaned_data
        return {
            k: data.get(k)
            for k in ("legal_number", "issuer", "signed_on", "legal_effective_on")
            if data.get(k)
        }


class DocumentEditForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["unit", "review_months"]


class RevisionForm(forms.Form):
    title = forms.CharField(label=_("Tên tài liệu"), max_length=500)
    body = forms.CharField(
        label=_("Nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 14})
    )
    change_location = forms.CharField(label=_("Vị trí sửa đổi"), required=False, max_length=300)
    change_summary = forms.CharField(
        label=_("Nội dung sửa đổi"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    change_reason = forms.CharField(
        label=_("Lý do sửa đổi"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    effective_on = forms.DateField(label=_("Ngày hiệu lực dự kiến"), required=False, widget=DATE)


class SubmitForm(forms.Form):
    reviewer = fields.ModelChoiceField(
        label=_("Người xem xét"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("— Thư ký ISO hoặc trưởng đơn vị bất kỳ —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = _people().filter(
            role__in=["agency_leader", "iso_secretary", "unit_head"]
        )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApproveForm(SigningFields):
    effective_on = forms.DateField(label=_("Ngày hiệu lực"), required=False, widget=DATE)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(SigningFields, ReasonForm):
    """Withdrawing issues a decision, signed as the issue decision is."""


class ChangeRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do đề nghị sửa đổi"), widget=forms.Textarea(attrs={"rows": 2})
    )
    proposal = forms.CharField(
        label=_("Nội dung đề nghị sửa đổi"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp (PDF, DOCX, XLSX, PNG, JPG)"))


class DistributeForm(forms.Form):
    units = fields.ModelMultipleChoiceField(
        label=_("Đơn vị nhận"),
        required=False,
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    users = fields.ModelMultipleChoiceField(
        label=_("Người nhận"),
        required=False,
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _units()
        self.fields["users"].queryset = _people()


class ExternalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Hiệu lực"), choices=LegalStatus.choices)
    replaced_by = fields.ModelChoiceField(
        label=_("Văn bản thay thế"),
        required=False,
        queryset=Document.objects.filter(doc_type="external"),
    )


class RecordSeriesForm(forms.ModelForm):
    class Meta:
        model = RecordSeries
        fields = [
            "year",
            "procedure",
            "name",
            "keeper_unit",
            "keeper",
            "location",
            "retention_months",
            "disposal_method",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = Document.objects.filter(
            doc_type__in=["system_procedure", "tthc_process"]
        ).order_by("code")
        self.fields["keeper_unit"].queryset = _units()


class RecordEntryForm(forms.Form):
    reference = forms.CharField(label=_("Số hiệu, trích yếu"), max_length=300)
    dated_on = forms.DateField(label=_("Ngày"), widget=DATE)
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DisposeForm(forms.Form):
    method = forms.ChoiceField(label=_("Hình thức"), choices=DisposalMethod.choices)
    disposed_on = forms.DateField(label=_("Ngày huỷ"), required=False, widget=DATE)
    minutes_reference = forms.CharField(label=_("Số biên bản"), required=False, max_length=100)


class CarryOverForm(forms.Form):
    from_year = forms.IntegerField(label=_("Từ năm"), min_value=2000, max_value=2100)
    to_year = forms.IntegerField(label=_("Sang năm"), min_value=2000, max_value=2100)


class CodeRuleForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("Loại tài liệu"), choices=DocType.choices)
    pattern = forms.CharField(label=_("Mẫu mã (biểu thức chính quy)"), max_length=200)
    example = forms.CharField(label=_("Ví dụ"), max_length=60)


class AgencyDocumentSettingsForm(forms.Form):
    allow_self_approval = forms.BooleanField(
        label=_("Cho phép người soạn thảo tự kiểm tra và phê duyệt bản của mình"), required=False
    )
    document_review_months = forms.IntegerField(
        label=_("Chu kỳ xem xét tài liệu (tháng)"), min_value=1, max_value=120
    )
    max_upload_mb = forms.IntegerField(
        label=_("Dung lượng tệp tối đa (MB)"), min_value=1, max_value=200
    )


class DelegateForm(forms.Form):
    user = fields.ModelChoiceField(
        label=_("Người được uỷ quyền phê duyệt"), queryset=User.objects.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _people().exclude(role__in=["agency_leader", "read_only"])


class SignatureCheckForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp PDF cần kiểm tra"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
