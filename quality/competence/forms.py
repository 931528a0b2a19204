"""Forms of the competence pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform.forms import ModelChoiceField, ModelMultipleChoiceField
from quality.core.models import Unit
from quality.core.steps import DATE, PersonField, people
from quality.documents.models import Document, DocumentStatus

from .models import (
    AGENCY_ROLE_CHOICES,
    AwarenessMethod,
    Competence,
    Result,
    SessionKind,
    Topic,
)

MSG_QUIZ_LINE = _(
    "Dòng “%(line)s”: mỗi phương án bắt đầu bằng “*” (đúng) hoặc “-” (sai), sau dòng câu hỏi."
)


class PeopleField(ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=people(), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})"


def competences():
    return Competence.objects.filter(is_active=True).order_by("title")


def documents_in_force():
    return Document.objects.filter(status=DocumentStatus.IN_FORCE).order_by("code")


class CompetenceForm(forms.Form):
    title = forms.CharField(label=_("Năng lực"), max_length=300)
    evidence = forms.CharField(
        label=_("Bằng chứng cần có"),
        max_length=300,
        required=False,
        help_text=_("Ví dụ: chứng chỉ đánh giá viên nội bộ, giấy chứng nhận tập huấn."),
    )
    role = forms.ChoiceField(
        label=_("Vai trò"), choices=[("", _("Mọi vai trò")), *AGENCY_ROLE_CHOICES], required=False
    )
    unit = ModelChoiceField(
        label=_("Đơn vị"),
        queryset=Unit.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Mọi đơn vị"),
    )


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Nội dung đào tạo"), max_length=300)
    kind = forms.ChoiceField(label=_("Hình thức"), choices=SessionKind.choices)
    held_on = forms.DateField(label=_("Ngày đào tạo"), widget=DATE)
    trainer = forms.CharField(label=_("Giảng viên, đơn vị đào tạo"), max_length=300)
    hours = forms.DecimalField(label=_("Số giờ"), max_digits=5, decimal_places=1, min_value=0)
    competence = ModelChoiceField(
        label=_("Năng lực được đào tạo"), queryset=competences(), required=False
    )
    material = ModelChoiceField(
        label=_("Tài liệu đào tạo (sổ tài liệu)"), queryset=documents_in_force(), required=False
    )
    attendees = PeopleField(label=_("Người tham dự"), required=False)


class AttendForm(forms.Form):
    attendees = PeopleField(label=_("Thêm người tham dự"))


class EvaluationForm(forms.Form):
    """The overall judgement, and a result for each attendee (fields `result_<id>`)."""

    evaluated_on = forms.DateField(label=_("Ngày đánh giá"), widget=DATE)
    overall = forms.CharField(
        label=_("Đánh giá chung"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluated_on"].initial = timezone.localdate()
        self.rows = list(session.attendances.select_related("user"))
        for a in self.rows:
            self.fields[f"result_{a.pk}"] = forms.ChoiceField(
                label=a.user.full_name, choices=Result.choices, initial=a.result
            )
            self.fields[f"note_{a.pk}"] = forms.CharField(
                label=_("Ghi chú"), max_length=300, required=False, initial=a.note
            )

    def results(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {a.pk: (data[f"result_{a.pk}"], data[f"note_{a.pk}"]) for a in self.rows}


class QualificationForm(forms.Form):
    user = PersonField(label=_("Người được cấp"))
    title = forms.CharField(label=_("Chứng chỉ, văn bằng"), max_length=300)
    competence = ModelChoiceField(
        label=_("Năng lực chứng minh"), queryset=competences(), required=False
    )
    issuer = forms.CharField(label=_("Nơi cấp"), max_length=300, required=False)
    number = forms.CharField(label=_("Số hiệu"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("Ngày cấp"), widget=DATE)
    expires_on = forms.DateField(
        label=_("Ngày hết hạn (để trống: không thời hạn)"), widget=DATE, required=False
    )


def parse_quiz(text: str) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Questions written as blocks: the question on its first line, then one choice per line
    starting with "*" (the right one) or "-"; a blank line between questions."""
    questions = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        choices = []
        for line in lines[1:]:
            if line[0] not in "*-":
                raise forms.ValidationError(MSG_QUIZ_LINE % {"line": line[:60]})
            choices.append((line[1:].strip(), line[0] == "*"))
        questions.append((lines[0], choices))
    return questions


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Tiêu đề"), max_length=300)
    topic = forms.ChoiceField(label=_("Chủ đề"), choices=Topic.choices)
    method = forms.ChoiceField(label=_("Cách ghi nhận"), choices=AwarenessMethod.choices)
    document = ModelChoiceField(
        label=_("Tài liệu cần đọc và xác nhận"), queryset=documents_in_force(), required=False
    )
    audience = PeopleField(label=_("Gửi tài liệu cho"), required=False)
    pass_mark = forms.IntegerField(label=_("Điểm đạt (%)"), initial=80)
    questions = forms.CharField(
        label=_("Câu hỏi"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Mỗi câu hỏi một đoạn: dòng đầu là câu hỏi, mỗi dòng sau là một phương án, bắt đầu "
            "bằng “*” nếu đúng, “-” nếu sai; các câu cách nhau một dòng trống."
        ),
    )

    def clean_questions(self):
        return parse_quiz(self.cleaned_data.get("questions") or "")


class QuizForm(forms.Form):
    """One radio group per question (`q_<id>`)."""

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        for question in campaign.questions.prefetch_related("choices"):
            self.fields[f"q_{question.pk}"] = forms.TypedChoiceField(
                label=f"{question.position}. {question.text}",
                choices=[(c.pk, c.text) for c in question.choices.all()],
                coerce=int,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[int, int]:
        return {int(k[2:]): v for k, v in self.cleaned_data.items() if k.startswith("q_")}


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)

    def chosen(self) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return timezone.localdate().year
