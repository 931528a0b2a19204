"""Forms of the inspection pages (Vietnamese labels and errors)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from insights.models import FindingKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Tên kế hoạch"), max_length=300)
    approved_at = forms.DateField(
        label=_("Ngày phê duyệt"),
        required=False,
        widget=DATE,
        help_text=_("Để trống khi kế hoạch chưa được phê duyệt."),
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PlanEditForm(PlanForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["year"]


class AddAgenciesForm(forms.Form):
    agencies = forms.ModelMultipleChoiceField(
        label=_("Cơ quan được kiểm tra"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Hãy chọn ít nhất một cơ quan.")},
    )
    scheduled_on = forms.DateField(label=_("Ngày dự kiến"), widget=DATE)
    team = forms.CharField(
        label=_("Đoàn kiểm tra"),
        required=False,
        max_length=500,
        help_text=_("Trưởng đoàn và thành viên."),
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = queryset


class ScheduleForm(forms.Form):
    scheduled_on = forms.DateField(label=_("Ngày dự kiến"), widget=DATE)
    team = forms.CharField(label=_("Đoàn kiểm tra"), required=False, max_length=500)


class RecordForm(forms.Form):
    done_on = forms.DateField(label=_("Ngày kiểm tra"), widget=DATE)
    team = forms.CharField(label=_("Đoàn kiểm tra"), required=False, max_length=500)
    conclusion = forms.CharField(label=_("Kết luận"), widget=forms.Textarea(attrs={"rows": 4}))


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại phát hiện"), choices=[("", "—"), *FindingKind.choices])
    text = forms.CharField(label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 2}))
    clause = forms.CharField(
        label=_("Điều khoản"),
        required=False,
        max_length=20,
        help_text=_("Ví dụ: 8.5.1"),
    )
    due_on = forms.DateField(label=_("Hạn khắc phục"), required=False, widget=DATE)
    closed_on = forms.DateField(label=_("Ngày khắc phục xong"), required=False, widget=DATE)


FindingFormSet = forms.formset_factory(FindingForm, extra=3)
