"""Forms of the management-review and annual-report pages."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quality.core.signatures.forms import SigningFields
from quality.core.steps import DATE, PersonField
from quality.reviews.models import AnnualReport


class ReviewForm(forms.Form):
    title = forms.CharField(label=_("Tên cuộc họp"), max_length=300)
    meeting_on = forms.DateField(label=_("Ngày họp"), widget=DATE)
    chair = PersonField(label=_("Chủ trì"))
    participants = forms.CharField(
        label=_("Thành phần"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    period_start = forms.DateField(label=_("Kỳ xem xét từ ngày"), widget=DATE)
    period_end = forms.DateField(label=_("đến ngày"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["title"].initial = _("Họp xem xét của lãnh đạo năm %(y)s") % {"y": today.year}
        self.fields["meeting_on"].initial = today
        self.fields["period_start"].initial = dt.date(today.year, 1, 1)
        self.fields["period_end"].initial = today


class HoldForm(SigningFields):
    resources = forms.CharField(
        label=_("Sự thỏa đáng của nguồn lực (9.3.2 d)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    commentary = forms.CharField(
        label=_("Nhận xét, thảo luận"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    conclusions = forms.CharField(
        label=_("Kết luận, quyết định (9.3.3)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AnnualSubmitForm(SigningFields):
    """Submitting numbers and signs the report: only the signing secrets are asked."""


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Năm báo cáo"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class AnnualReportForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = ["assessment", "shortcomings", "proposals", "announced_conformity"]
        widgets = {
            "assessment": forms.Textarea(attrs={"rows": 4}),
            "shortcomings": forms.Textarea(attrs={"rows": 3}),
            "proposals": forms.Textarea(attrs={"rows": 3}),
        }
