"""Forms of the context and risk pages; the matrix size comes from the agency's settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from quality.core.models import Unit
from quality.core.steps import PersonField
from quality.documents.models import Document
from quality.procedures.models import Procedure
from quality.risks.models import ContextIssue, IssueKind, RiskKind, RiskStatus
from quality.risks.services import matrix


def scale_field(label, required=True):
    size, _bands = matrix()
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        required=required,
        empty_value=None,
        choices=([] if required else [("", "—")]) + [(i, str(i)) for i in range(1, size + 1)],
    )


class ContextIssueForm(forms.ModelForm):
    class Meta:
        model = ContextIssue
        fields = ["kind", "title", "description", "climate_related", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ClimateDecisionForm(forms.Form):
    relevant = forms.TypedChoiceField(
        label=_("Biến đổi khí hậu có phải là vấn đề liên quan đến hệ thống của cơ quan?"),
        choices=[("yes", _("Có, là vấn đề liên quan")), ("no", _("Không phải vấn đề liên quan"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(  # required by the service, whose message names the amendment
        label=_("Lý do, căn cứ"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Ví dụ: mưa lũ làm gián đoạn tiếp nhận hồ sơ trực tiếp; yêu cầu chuyển đổi số, "
            "giảm giấy tờ của UBND tỉnh."
        ),
    )


class RiskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=RiskKind.choices)
    title = forms.CharField(label=_("Mô tả rủi ro, cơ hội"), max_length=500)
    procedure = forms.ModelChoiceField(
        label=_("Thủ tục hành chính"),
        queryset=Procedure.objects.filter(is_active=True).order_by("code"),
        required=False,
    )
    process = forms.ModelChoiceField(
        label=_("Quá trình (quy trình ISO)"),
        queryset=Document.objects.filter(
            doc_type__in=["system_procedure", "tthc_process"]
        ).order_by("code"),
        required=False,
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    cause = forms.CharField(
        label=_("Nguyên nhân"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    consequence = forms.CharField(
        label=_("Hệ quả"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = PersonField(label=_("Người chịu trách nhiệm"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["likelihood"] = scale_field(_("Khả năng xảy ra"))
        self.fields["impact"] = scale_field(_("Mức độ ảnh hưởng"))


class RiskEditForm(RiskForm):
    status = forms.ChoiceField(label=_("Trạng thái"), choices=RiskStatus.choices)


class ReevaluateForm(forms.Form):
    note = forms.CharField(label=_("Nhận xét sau xử lý"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residual_likelihood"] = scale_field(_("Khả năng sau xử lý"))
        self.fields["residual_impact"] = scale_field(_("Ảnh hưởng sau xử lý"))
        self.order_fields(["residual_likelihood", "residual_impact", "note"])


class RiskFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại"), required=False, choices=[("", _("Rủi ro và cơ hội")), *RiskKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Chưa đóng")), ("all", _("Tất cả")), *RiskStatus.choices],
    )


ISSUE_KINDS = IssueKind.choices
