"""Forms of the evaluation pages: they shape input; the services check and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.indicators import INDICATORS
from evaluation.services.baselines import FIGURES
from insights.selectors.common import counted_agencies

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AgencyChoices(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=counted_agencies().order_by("name"),
            widget=forms.SelectMultiple(attrs={"size": 8}),
            required=False,  # the service says "at least one agency", in its words
            **kwargs,
        )


class WaveForm(forms.Form):
    name = forms.CharField(label=_("Tên đợt"), max_length=200)
    order = forms.IntegerField(label=_("Thứ tự"), min_value=1, max_value=100)
    planned_start = forms.DateField(label=_("Ngày bắt đầu dự kiến"), widget=DATE)
    planned_go_live = forms.DateField(label=_("Ngày vận hành chính thức dự kiến"), widget=DATE)
    agencies = AgencyChoices(label=_("Cơ quan"))
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea({"rows": 2}))


class WaveAgenciesForm(forms.Form):
    """Agency codes, one per line or separated by commas: a wave may hold hundreds of
    agencies, which a list of every agency's name cannot show usefully."""

    codes = forms.CharField(
        label=_("Mã cơ quan (mỗi dòng một mã, hoặc cách nhau bằng dấu phẩy)"),
        required=False,
        widget=forms.Textarea({"rows": 4}),
    )

    def clean(self):
        data = super().clean()
        codes = {c.strip().lower() for c in data.get("codes", "").replace(",", "\n").split()}
        codes.discard("")
        found = list(counted_agencies().filter(code__in=codes))
        unknown = sorted(codes - {a.code for a in found})
        if unknown:
            raise forms.ValidationError(
                _("Không có cơ quan mã: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        data["agencies"] = found
        return data


class GateForm(forms.Form):
    """One optional threshold per indicator (text: the service reads and checks it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, indicator in INDICATORS.items():
            direction = "≥" if indicator.better == "higher" else "≤"
            self.fields[key] = forms.CharField(
                label=f"{indicator.label} ({direction})", required=False, max_length=20
            )


class AdvanceForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do, căn cứ quyết định"), required=False, widget=forms.Textarea({"rows": 3})
    )
    override = forms.BooleanField(
        label=_("Vượt điều kiện chuyển đợt (phải ghi lý do bằng văn bản)"), required=False
    )


class BaselineForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, figure in FIGURES.items():
            self.fields[key] = forms.DecimalField(
                label=figure.label, required=False, max_digits=12, decimal_places=2
            )


class AssessmentForm(forms.Form):
    advantages = forms.CharField(
        label=_("Ưu điểm"), required=False, widget=forms.Textarea({"rows": 4})
    )
    limitations = forms.CharField(
        label=_("Hạn chế, khó khăn"), required=False, widget=forms.Textarea({"rows": 4})
    )
    proposals = forms.CharField(
        label=_("Đề xuất"), required=False, widget=forms.Textarea({"rows": 3})
    )
