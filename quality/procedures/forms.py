import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform import forms as fields
from quality.documents.models import Document
from quality.procedures.models import (
    AppStatus,
    Channel,
    Procedure,
    ProcedureLevel,
    SupplementRule,
)
from quality.procedures.services.catalogue import StepSpec, VersionSpec

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label=_("Mã hồ sơ"), required=False)
    status = forms.ChoiceField(
        label=_("Trạng thái"), required=False, choices=[("", _("Tất cả"))] + AppStatus.choices
    )
    procedure = fields.ModelChoiceField(
        label=_("Thủ tục"),
        required=False,
        queryset=Procedure.objects.none(),
        empty_label=_("Tất cả thủ tục"),
    )
    timeliness = forms.ChoiceField(
        label=_("Tiến độ"),
        required=False,
        choices=[
            ("", _("Tất cả")),
            ("overdue", _("Đang quá hạn")),
            ("late", _("Đã trễ hạn")),
            ("on_time", _("Đúng hạn")),
            ("early", _("Trước hạn")),
        ],
    )
    received_from = forms.DateField(label=_("Tiếp nhận từ"), required=False, widget=DATE)
    received_to = forms.DateField(label=_("đến"), required=False, widget=DATE)
    # Not shown as inputs: links from the service quality index carry them (hidden fields).
    completed_from = forms.DateField(label=_("Có kết quả từ"), required=False)
    completed_to = forms.DateField(label=_("Có kết quả đến"), required=False)
    channel = forms.ChoiceField(
        label=_("Hình thức nộp"), required=False, choices=[("", _("Tất cả"))] + Channel.choices
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = Procedure.objects.order_by("code")
        for name in ("status", "procedure", "timeliness"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("received_from", "received_to"):
            self.fields[name].widget.attrs["class"] = "form-control"


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("Từ ngày"), widget=DATE)
    end = forms.DateField(label=_("Đến ngày"), widget=DATE)
    procedure = fields.ModelChoiceField(
        label=_("Thủ tục"),
        required=False,
        queryset=Procedure.objects.none(),
        empty_label=_("Tất cả thủ tục"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = Procedure.objects.order_by("code")

    @staticmethod
    def default_initial() -> dict:
        today = timezone.localdate()
        return {
            "start": (today.replace(day=1) - dt.timedelta(days=150)).replace(day=1),
            "end": today,
        }

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("Ngày kết thúc phải sau ngày bắt đầu."))
        return data


class TrackingBookForm(PeriodForm):
    """The tracking book's period. The applications list links here with its own date filter,
    often empty: a missing date is filled, never refused. Neither date: the current month
    (agency time, Asia/Ho_Chi_Minh). Only the end: from the first day of its month. Only the
    start: up to today, as the list filtered "received from" shows (or to the end of the
    start's month when the start is still to come)."""

    start = forms.DateField(label=_("Từ ngày"), widget=DATE, required=False)
    end = forms.DateField(label=_("Đến ngày"), widget=DATE, required=False)

    def clean(self):
        data, today = self.cleaned_data, timezone.localdate()
        if "start" not in data or "end" not in data:
            return data  # a date that does not parse: its field error stands
        if data["start"] is None:
            data["start"] = (data["end"] or today).replace(day=1)
        if data["end"] is None:
            data["end"] = today if data["start"] <= today else _month_end(data["start"])
        return super().clean()


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


class ProcedureForm(forms.Form):
    code = forms.CharField(label=_("Mã TTHC"), max_length=40)
    name = forms.CharField(label=_("Tên thủ tục"), max_length=500)
    field = forms.CharField(label=_("Lĩnh vực"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("Cấp thực hiện"), choices=ProcedureLevel.choices)
    document = fields.ModelChoiceField(
        label=_("Quy trình ISO"), required=False, queryset=Document.objects.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = Document.objects.filter(
            doc_type__in=["tthc_process", "system_procedure"]
        ).order_by("code")


class VersionForm(forms.Form):
    effective_from = forms.DateField(label=_("Áp dụng từ ngày"), widget=DATE)
    limit_days = forms.IntegerField(
        label=_("Thời hạn (ngày làm việc)"), required=False, min_value=0, max_value=365
    )
    limit_calendar_days = forms.IntegerField(
        label=_("hoặc thời hạn (ngày theo lịch)"),
        required=False,
        min_value=0,
        max_value=365,
        help_text=_(
            "Khi văn bản quy định ghi “… ngày” (không ghi “ngày làm việc”): tính cả ngày nghỉ; "
            "ngày cuối cùng là ngày nghỉ thì hạn chuyển sang ngày làm việc tiếp theo."
        ),
    )
    limit_hours = forms.DecimalField(
        label=_("hoặc thời hạn (giờ làm việc)"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
    )
    fee = forms.IntegerField(label=_("Phí, lệ phí (đồng)"), required=False, min_value=0)
    cutoff_applies = forms.BooleanField(label=_("Áp dụng giờ chốt tiếp nhận"), required=False)
    supplement_rule = forms.ChoiceField(
        label=_("Khi yêu cầu bổ sung"), choices=SupplementRule.choices
    )
    steps = forms.CharField(
        label=_("Các bước (mỗi dòng: tên bước | đơn vị | số giờ)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ví dụ: Tiếp nhận hồ sơ | Bộ phận một cửa | 4"),
    )
    note = forms.CharField(label=_("Căn cứ, ghi chú"), required=False, max_length=500)

    def clean_steps(self):
        from decimal import Decimal, InvalidOperation

        steps = []
        for number, line in enumerate(self.cleaned_data["steps"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or not parts[0]:
                raise forms.ValidationError(
                    _("Dòng %(n)s: cần “tên bước | đơn vị | số giờ”.") % {"n": number}
                )
            try:
                hours = Decimal(parts[2].replace(",", "."))
            except InvalidOperation:
                raise forms.ValidationError(
                    _("Dòng %(n)s: “%(v)s” không phải số giờ.") % {"n": number, "v": parts[2]}
                ) from None
            steps.append(StepSpec(parts[0], hours, parts[1]))
        return steps

    def spec(self):

        data = self.cleaned_data
        return VersionSpec(
            effective_from=data["effective_from"],
            limit_days=data["limit_days"],
            limit_hours=data["limit_hours"],
            limit_calendar_days=data["limit_calendar_days"],
            fee=data["fee"] or 0,
            cutoff_applies=data["cutoff_applies"],
            supplement_rule=data["supplement_rule"],
            note=data["note"],
            steps=data["steps"],
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp danh mục (CSV UTF-8 hoặc XLSX)"))
