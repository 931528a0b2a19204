"""Forms of the internal-audit pages."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform.accounts.models import User
from quality.audits.models import AuditProgramme, Clause, Grade
from quality.core.editions import edition_get
from quality.core.models import Unit
from quality.core.permissions import CAPABILITIES
from quality.core.signatures.forms import SigningFields
from quality.core.steps import DATE, PersonField


def auditors():
    return User.objects.filter(is_active=True, role__in=CAPABILITIES["audits.perform"]).order_by(
        "full_name"
    )


class ProgrammeForm(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    objectives = forms.CharField(
        label=_("Mục tiêu của chương trình"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class PlanForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Chương trình"), queryset=AuditProgramme.objects.all()
    )
    title = forms.CharField(label=_("Tên cuộc đánh giá"), max_length=300)
    scope = forms.CharField(label=_("Phạm vi"), widget=forms.Textarea(attrs={"rows": 2}))
    criteria = forms.CharField(
        label=_("Chuẩn mực đánh giá"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Để trống: phiên bản tiêu chuẩn cơ quan đang áp dụng, tài liệu của hệ thống và quy "
            "định liên quan."
        ),
    )
    start_on = forms.DateField(label=_("Từ ngày"), widget=DATE)
    end_on = forms.DateField(label=_("Đến ngày"), widget=DATE)
    lead = PersonField(label=_("Trưởng đoàn"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = auditors()


class AssignmentForm(forms.Form):
    auditor = PersonField(label=_("Đánh giá viên"))
    unit = forms.ModelChoiceField(
        label=_("Đơn vị được đánh giá"), queryset=Unit.objects.filter(is_active=True)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["auditor"].queryset = auditors()


class ChecklistForm(forms.Form):
    clauses = forms.MultipleChoiceField(label=_("Điều khoản"), widget=forms.CheckboxSelectMultiple)
    include_procedures = forms.BooleanField(
        label=_("Thêm các quy trình TTHC mà đơn vị tham gia"), required=False, initial=True
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        edition = edition_get(plan.edition)
        self.fields["clauses"].label = _("Điều khoản %(edition)s") % {"edition": edition.name}
        self.fields["clauses"].choices = [(c.code, c.label) for c in edition.auditable()]


class AssessForm(forms.Form):
    grade = forms.ChoiceField(label=_("Kết quả"), choices=Grade.choices)
    evidence = forms.CharField(label=_("Bằng chứng"), required=False, max_length=4000)


class FindingForm(forms.Form):
    assignment = forms.ChoiceField(label=_("Đơn vị (phân công)"))
    clause = forms.ModelChoiceField(
        label=_("Điều khoản"),
        queryset=Clause.objects.all(),
        required=False,
    )
    grade = forms.ChoiceField(label=_("Phân loại"), choices=Grade.choices)
    description = forms.CharField(
        label=_("Mô tả phát hiện"), widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.CharField(
        label=_("Bằng chứng"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["assignment"].choices = [
            (a.pk, f"{a.unit.name} — {a.auditor.full_name}")
            for a in plan.assignments.select_related("unit", "auditor")
        ]

    def clean_assignment(self):
        return self.plan.assignments.get(pk=self.cleaned_data["assignment"])


class ReportForm(SigningFields):
    conclusion = forms.CharField(
        label=_("Kết luận của đoàn đánh giá"), widget=forms.Textarea(attrs={"rows": 3})
    )
