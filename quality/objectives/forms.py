"""Forms of the objectives pages."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quality.core.models import Unit
from quality.core.steps import PersonField
from quality.objectives.models import Direction, Frequency, Method
from quality.objectives.services import periods
from quality.procedures.models import Procedure


class ObjectiveForm(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Mục tiêu"), max_length=300)
    indicator = forms.CharField(
        label=_("Chỉ số đo"),
        max_length=300,
        help_text=_("Ví dụ: tỷ lệ hồ sơ giải quyết đúng hạn trên tổng số hồ sơ có kết quả."),
    )
    target = forms.DecimalField(label=_("Chỉ tiêu"), max_digits=12, decimal_places=2)
    unit_label = forms.CharField(label=_("Đơn vị tính"), max_length=30, initial="%")
    direction = forms.ChoiceField(label=_("Cách đánh giá"), choices=Direction.choices)
    frequency = forms.ChoiceField(label=_("Tần suất đo"), choices=Frequency.choices)
    method = forms.ChoiceField(label=_("Cách đo"), choices=Method.choices)
    procedure = forms.ModelChoiceField(
        label=_("Thủ tục (để trống: mọi thủ tục)"),
        queryset=Procedure.objects.filter(is_active=True).order_by("code"),
        required=False,
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị chủ trì"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    owner = PersonField(label=_("Người theo dõi"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class MeasurementForm(forms.Form):
    period = forms.ChoiceField(label=_("Kỳ đo"))
    value = forms.DecimalField(label=_("Kết quả"), max_digits=12, decimal_places=2)
    evidence = forms.CharField(
        label=_("Bằng chứng (số liệu từ đâu, văn bản, sổ theo dõi...)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, objective, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [
            (f"{start:%Y-%m-%d}|{end:%Y-%m-%d}", f"{start:%d/%m/%Y} – {end:%d/%m/%Y}")
            for start, end in reversed(periods(objective))
        ]

    def clean_period(self):
        start, end = self.cleaned_data["period"].split("|")
        return dt.date.fromisoformat(start), dt.date.fromisoformat(end)
