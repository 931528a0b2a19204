"""The statistics filters, shared by the dashboard and the statistics API."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insights.selectors.common import months_between
from insights.selectors.fields import field_names
from insights.selectors.rankings import INDICATORS
from iso_platform.months import add_months, month_end
from tenants.models import AgencyKind

MAX_MONTHS = 120
KIND_CHOICES = [("", _("Tất cả loại"))] + [
    (k.value, k.label) for k in AgencyKind if k != AgencyKind.PROVINCE
]
ROWS_CHOICES = [("50", "50"), ("20", "20"), ("100", "100"), ("all", _("Tất cả"))]
ORDER_CHOICES = [("worst", _("Cần chú ý nhất trước")), ("best", _("Tốt nhất trước"))]


def parse_month_or_day(value: str, *, end: bool) -> dt.date:
    """`YYYY-MM` (the first or, with `end`, the last day of that month) or `YYYY-MM-DD`."""
    value = (value or "").strip()
    try:
        if len(value) == 7:
            first = dt.date.fromisoformat(value + "-01")
            return month_end(first) if end else first
        return dt.date.fromisoformat(value)
    except ValueError:
        raise forms.ValidationError(
            _("Nhập tháng dạng YYYY-MM hoặc ngày dạng YYYY-MM-DD."), code="invalid"
        ) from None


class StatisticsFilterForm(forms.Form):
    """Period: `year`, or `start`/`end` (months or days); by default the last 12 months."""

    start = forms.CharField(label=_("Từ tháng"), required=False, max_length=10)
    end = forms.CharField(label=_("Đến tháng"), required=False, max_length=10)
    year = forms.IntegerField(
        label=_("Hoặc cả năm"), required=False, min_value=2000, max_value=2100, widget=forms.Select
    )
    kind = forms.ChoiceField(label=_("Loại cơ quan"), choices=KIND_CHOICES, required=False)
    field = forms.CharField(label=_("Lĩnh vực thủ tục"), required=False, max_length=200)
    indicator = forms.ChoiceField(label=_("Xếp hạng theo"), required=False)
    order = forms.ChoiceField(label=_("Thứ tự"), choices=ORDER_CHOICES, required=False)
    rows = forms.ChoiceField(label=_("Số dòng"), choices=ROWS_CHOICES, required=False)

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        years = range(self.today.year, self.today.year - 6, -1)
        self.fields["year"].widget.choices = [("", _("— theo khoảng tháng —"))] + [
            (y, str(y)) for y in years
        ]
        names = field_names()
        chosen = self.data.get("field") if self.is_bound else None
        if chosen and chosen not in names:
            names = [*names, chosen]
        self.fields["field"].widget = forms.Select(
            choices=[("", _("Tất cả lĩnh vực")), *((f, f) for f in names)]
        )
        self.fields["indicator"].choices = [(i.key, i.label) for i in INDICATORS.values()]
        for name in ("year", "kind", "field", "indicator", "order", "rows"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("start", "end"):
            self.fields[name].widget = forms.TextInput(
                attrs={"type": "month", "class": "form-control", "placeholder": "YYYY-MM"}
            )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("year"):
            period_from, period_to = dt.date(data["year"], 1, 1), dt.date(data["year"], 12, 31)
        else:
            default_to = month_end(self.today)
            default_from = add_months(self.today, -11)
            try:
                period_from = (
                    parse_month_or_day(data["start"], end=False)
                    if data.get("start")
                    else default_from
                )
                period_to = (
                    parse_month_or_day(data["end"], end=True) if data.get("end") else default_to
                )
            except forms.ValidationError as exc:
                raise forms.ValidationError({"start": exc.messages}) from None
            if period_from > period_to:
                raise forms.ValidationError(
                    {"end": _("Thời điểm kết thúc phải sau thời điểm bắt đầu.")}
                )
            if len(months_between(period_from, period_to)) > MAX_MONTHS:
                raise forms.ValidationError({"start": _("Khoảng thời gian tối đa là 10 năm.")})
        data["period_from"], data["period_to"] = period_from, period_to
        data["kind"] = data.get("kind") or None
        data["field"] = data.get("field") or None
        data["indicator"] = data.get("indicator") or "on_time_rate"
        data["best_first"] = data.get("order") == "best"
        rows = data.get("rows") or ROWS_CHOICES[0][0]
        data["rows"] = None if rows == "all" else int(rows)
        return data

    def values(self) -> dict:
        """The cleaned filters, or the defaults when the form is not valid."""
        if self.is_valid():
            return self.cleaned_data
        fallback = StatisticsFilterForm({}, today=self.today)
        fallback.is_valid()
        return fallback.cleaned_data
