from django import forms
from django.utils.translation import gettext_lazy as _

from iso_platform.workdays.models import OverrideKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class OverrideForm(forms.Form):
    date = forms.DateField(label=_("Ngày"), widget=DATE)
    kind = forms.ChoiceField(label=_("Điều chỉnh"), choices=OverrideKind.choices)
    note = forms.CharField(label=_("Căn cứ (số văn bản), ghi chú"), max_length=300, required=False)


class SettingsForm(forms.Form):
    office_hours = forms.CharField(
        label=_("Giờ làm việc"), max_length=100, help_text=_("Ví dụ: 07:30-11:30,13:30-17:00")
    )
    cutoff = forms.TimeField(label=_("Giờ chốt tiếp nhận"), widget=TIME)


class DeadlineForm(forms.Form):
    received = forms.DateTimeField(
        label=_("Tiếp nhận lúc"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    days = forms.IntegerField(label=_("Thời hạn (ngày làm việc)"), min_value=0, max_value=365)
    cutoff = forms.BooleanField(label=_("Áp dụng giờ chốt"), required=False)
