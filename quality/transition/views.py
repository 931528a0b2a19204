"""Pages of the transition to a newer edition: the gap assessment, its answers and evidence,
and the plan of actions (quality.improvement's shared actions panel)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from iso_platform.forms import add_errors
from quality.core.editions import agency_edition, edition_get, latest_edition
from quality.core.permissions import can
from quality.core.steps import Gate, Step
from quality.improvement.models import ActionKind
from quality.improvement.views import SourceActionAddView, actions_context, trail
from quality.transition import forms, selectors, services
from quality.transition.models import GapEvidence, GapQuestion


class HomeView(Gate, View):
    capability = "transition.view"
    template = "quality/transition/home.html"

    def get(self, request, form=None, status=200):
        assessment = selectors.current_assessment()
        context = {
            "edition": agency_edition(),
            "latest": latest_edition(),
            "assessment": assessment,
            "can_manage": can(request.user, "transition.manage"),
            "start_form": form or forms.StartForm(),
        }
        if assessment is not None:
            context.update(
                target=edition_get(assessment.target_edition),
                progress=selectors.progress(assessment),
                questions=selectors.question_rows(assessment),
                actions=selectors.plan_actions(assessment).select_related("owner"),
            )
        return render(request, self.template, context, status=status)

    def post(self, request):
        if not can(request.user, "transition.manage"):
            raise PermissionDenied("transition.manage")
        form = forms.StartForm(request.POST)
        if form.is_valid():
            try:
                services.assessment_start(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lập bảng đánh giá khoảng cách."))
                return redirect("transition:home")
        return self.get(request, form=form, status=400)


class QuestionView(Gate, TemplateView):
    capability = "transition.view"
    template_name = "quality/transition/question.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        question = get_object_or_404(
            GapQuestion.objects.select_related("assessment", "answered_by"), pk=pk
        )
        actions = selectors.plan_actions(question.assessment).filter(source_id=str(question.pk))
        user = self.request.user
        context.update(
            question=question,
            evidence=question.evidence.all(),
            can_manage=can(user, "transition.manage"),
            answer_form=forms.AnswerForm(
                initial={"status": question.status, "answer": question.answer}
            ),
            audit=trail("gapquestion", question.pk),
            actions_title=_("Kế hoạch chuyển đổi"),
            **actions_context(
                user,
                actions.select_related("owner", "verified_by", "nonconformity"),
                "transition.manage",
                f"/transition/questions/{question.pk}/actions/",
            ),
        )
        return context


class AnswerView(Step):
    model = GapQuestion
    form_class = forms.AnswerForm
    success = gettext_lazy("Đã ghi kết quả đánh giá.")

    def act(self, question, data):
        return services.question_answer(actor=self.request.user, question=question, **data)


class QuestionActionAddView(SourceActionAddView):
    model = GapQuestion
    kind = ActionKind.TRANSITION
    source_type = "gap_question"
    success = gettext_lazy("Đã giao hành động chuyển đổi.")


class EvidenceDownloadView(Gate, View):
    """A gap question's evidence file, for the agency's own people only."""

    capability = "transition.view"

    def get(self, request, pk, file):
        record = get_object_or_404(GapEvidence, pk=file, question_id=pk)
        response = FileResponse(
            record.file.open("rb"),
            as_attachment=True,
            filename=record.name,
            content_type=record.content_type,
        )
        response["X-Content-SHA256"] = record.sha256
        return response
