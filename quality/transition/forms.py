from django import forms
from django.utils.translation import gettext_lazy as _

from quality.core.steps import DATE
from quality.improvement.forms import EvidenceField
from quality.transition.models import GapStatus


class StartForm(forms.Form):
    deadline = forms.DateField(
        label=_("Hạn hoàn thành chuyển đổi"),
        widget=DATE,
        required=False,
        help_text=_("Để trống: hạn kết thúc thời gian chuyển đổi của phiên bản mới (dự kiến)."),
    )


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Kết quả"), choices=[c for c in GapStatus.choices if c[0] != GapStatus.OPEN]
    )
    answer = forms.CharField(
        label=_("Nhận xét, bằng chứng"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = EvidenceField(
        label=_("Tệp minh chứng (PDF, DOCX, XLSX, PNG, JPG)"),
        required=False,
        help_text=_("Có thể chọn nhiều tệp; chỉ người trong cơ quan tải về được."),
    )
