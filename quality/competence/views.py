"""Pages: competence overview and gaps, required competences, training sessions with
attendance and evaluation, qualifications, awareness campaigns and quizzes, each person's
record (page and PDF), the training register (XLSX)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from iso_platform import spreadsheets
from iso_platform.accounts.models import User
from iso_platform.audit import export_record
from iso_platform.forms import add_errors
from quality.core.permissions import can, holds
from quality.core.steps import Gate, Step

from . import forms, pdf, selectors, services
from .models import AwarenessMethod, Campaign, Competence, Qualification, TrainingSession


def _manager(request) -> bool:
    return can(request.user, "competence.manage")


class HomeView(Gate, TemplateView):
    """The share of staff trained this year, who lacks a required competence, what expires."""

    capability = "competence.view"
    template_name = "quality/competence/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        sees_people = holds(self.request.user, "competence.manage")
        context.update(
            tab="home",
            year=today.year,
            share=selectors.trained_share(today.year),
            gaps=selectors.gaps(today) if sees_people else None,
            expiring=list(selectors.expiring(today)) if sees_people else None,
            today=today,
            can_manage=_manager(self.request),
        )
        return context


class RequirementsView(Gate, View):
    capability = "competence.view"
    read_only_page = True
    template = "quality/competence/requirements.html"

    def _render(self, request, form, status=200):
        rows = Competence.objects.select_related("unit").order_by("-is_active", "title")
        context = {
            "tab": "requirements",
            "rows": rows,
            "form": form,
            "can_manage": _manager(request),
        }
        return render(request, self.template, context, status=status)

    def get(self, request):
        return self._render(request, forms.CompetenceForm())

    def post(self, request):
        if not _manager(request):
            raise PermissionDenied("competence.manage")
        form = forms.CompetenceForm(request.POST)
        if form.is_valid():
            try:
                services.competence_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã thêm năng lực yêu cầu."))
                return redirect("competence:requirements")
        return self._render(request, form, status=400)


class RetireView(Step):
    model = Competence
    capability = "competence.manage"
    success = gettext_lazy("Đã thôi áp dụng năng lực này.")

    def act(self, competence, data):
        return services.competence_retire(actor=self.request.user, competence=competence)

    def next_url(self, obj, result) -> str:
        return "/competence/requirements/"


class SessionListView(Gate, TemplateView):
    capability = "competence.view"
    template_name = "quality/competence/sessions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = forms.YearForm(self.request.GET or None).chosen()
        sessions = (
            TrainingSession.objects.filter(held_on__year=year)
            .select_related("competence")
            .annotate(attendees=Count("attendances"))
            .order_by("-held_on", "-id")
        )
        context.update(
            tab="sessions",
            year=year,
            years=range(timezone.localdate().year, timezone.localdate().year - 6, -1),
            sessions=sessions,
            can_manage=_manager(self.request),
        )
        return context


class _CreateView(Gate, View):
    """A form that creates one record through its service, then shows the record."""

    capability = "competence.manage"
    template = ""
    form_class = None
    tab = ""
    success = ""

    def create(self, actor, data):
        raise NotImplementedError

    def get(self, request):
        return render(request, self.template, {"form": self.form_class(), "tab": self.tab})

    def post(self, request):
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                record = self.create(request.user, form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, self.success)
                return redirect(record)
        return render(request, self.template, {"form": form, "tab": self.tab}, status=400)


class SessionCreateView(_CreateView):
    template = "quality/competence/session_create.html"
    form_class = forms.SessionForm
    tab = "sessions"
    success = gettext_lazy("Đã ghi nhận khoá đào tạo.")

    def create(self, actor, data):
        return services.session_create(actor=actor, **data)


def _session(pk) -> TrainingSession:
    return get_object_or_404(
        TrainingSession.objects.select_related("competence", "material", "evaluated_by"), pk=pk
    )


def session_page(request, session, *, attend=None, evaluate=None, status=200):
    manager = _manager(request)
    context = {
        "tab": "sessions",
        "session": session,
        "attendances": session.attendances.select_related("user").order_by("user__full_name"),
        "can_manage": manager,
        "attend_form": attend or (forms.AttendForm() if manager else None),
        "evaluate_form": evaluate or (forms.EvaluationForm(session=session) if manager else None),
        "held": session.held_on <= timezone.localdate(),
    }
    return render(request, "quality/competence/session.html", context, status=status)


class SessionDetailView(Gate, View):
    capability = "competence.view"

    def get(self, request, pk):
        return session_page(request, _session(pk))


class AttendView(Gate, View):
    """Add people to a session's attendance list; a refusal re-shows the page with the reason."""

    capability = "competence.manage"

    def post(self, request, pk):
        session = _session(pk)
        form = forms.AttendForm(request.POST)
        if form.is_valid():
            try:
                services.attendance_add(
                    actor=request.user, session=session, attendees=form.cleaned_data["attendees"]
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã thêm người tham dự."))
                return redirect(session)
        return session_page(request, session, attend=form, status=400)


class EvaluateView(Gate, View):
    """The evaluation of effectiveness: the overall judgement and each attendee's result."""

    capability = "competence.manage"

    def post(self, request, pk):
        session = _session(pk)
        form = forms.EvaluationForm(request.POST, session=session)
        if form.is_valid():
            try:
                services.session_evaluate(
                    actor=request.user,
                    session=session,
                    evaluated_on=form.cleaned_data["evaluated_on"],
                    overall=form.cleaned_data["overall"],
                    results=form.results(),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã ghi đánh giá hiệu quả đào tạo."))
                return redirect(session)
        return session_page(request, _session(pk), evaluate=form, status=400)


class QualificationsView(Gate, View):
    capability = "competence.manage"
    read_only_page = True
    template = "quality/competence/qualifications.html"

    def _render(self, request, form, status=200):
        rows = Qualification.objects.select_related("user", "competence").order_by(
            "user__full_name", "expires_on", "id"
        )
        context = {
            "tab": "qualifications",
            "rows": rows,
            "form": form,
            "today": timezone.localdate(),
            "can_manage": _manager(request),
        }
        return render(request, self.template, context, status=status)

    def get(self, request):
        return self._render(request, forms.QualificationForm())

    def post(self, request):
        form = forms.QualificationForm(request.POST)
        if form.is_valid():
            try:
                services.qualification_add(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã ghi nhận chứng chỉ."))
                return redirect("competence:qualifications")
        return self._render(request, form, status=400)


class CampaignListView(Gate, TemplateView):
    capability = "competence.view"
    template_name = "quality/competence/campaigns.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaigns = list(Campaign.objects.select_related("document"))
        progress = selectors.campaigns_progress(campaigns)
        for campaign in campaigns:
            campaign.progress = progress[campaign.pk]
        context.update(tab="awareness", campaigns=campaigns, can_manage=_manager(self.request))
        return context


class CampaignCreateView(_CreateView):
    template = "quality/competence/campaign_create.html"
    form_class = forms.CampaignForm
    tab = "awareness"
    success = gettext_lazy("Đã tạo đợt nâng cao nhận thức.")

    def create(self, actor, data):
        return services.campaign_create(actor=actor, **data)


def _campaign(pk) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("document"), pk=pk)


def campaign_page(request, campaign, *, quiz=None, status=200):
    user = request.user
    is_quiz = campaign.method == AwarenessMethod.QUIZ
    mine = campaign.attempts.filter(user=user).first() if is_quiz else None
    manager = holds(user, "competence.manage")
    context = {
        "tab": "awareness",
        "campaign": campaign,
        "is_quiz": is_quiz,
        "mine": mine,
        "progress": selectors.campaign_progress(campaign),
        "quiz_form": (
            quiz or forms.QuizForm(campaign=campaign)
            if is_quiz and campaign.is_open and can(user, "competence.answer")
            else None
        ),
        "attempts": (
            campaign.attempts.select_related("user").order_by("user__full_name", "-answered_at")
            if manager and is_quiz
            else None
        ),
        "acknowledgements": (
            selectors.campaign_acknowledgements(campaign) if manager and not is_quiz else None
        ),
    }
    return render(request, "quality/competence/campaign.html", context, status=status)


class CampaignDetailView(Gate, View):
    capability = "competence.view"

    def get(self, request, pk):
        return campaign_page(request, _campaign(pk))


class AnswerView(Gate, View):
    capability = "competence.answer"

    def post(self, request, pk):
        campaign = _campaign(pk)
        form = forms.QuizForm(request.POST, campaign=campaign)
        if form.is_valid():
            try:
                attempt = services.quiz_answer(
                    actor=request.user, campaign=campaign, answers=form.answers()
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                text = _("Bạn đạt %(s)s%%.") if attempt.passed else _("Bạn được %(s)s%%, chưa đạt.")
                messages.success(request, text % {"s": attempt.score})
                return redirect(campaign)
        return campaign_page(request, campaign, quiz=form, status=400)


def _person_allowed(request, person) -> bool:
    return person.pk == request.user.pk or holds(request.user, "competence.manage")


class PersonView(Gate, TemplateView):
    """A person's training record: their own, or anyone's for the managers."""

    capability = "competence.view"
    template_name = "quality/competence/person.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        person = get_object_or_404(User, pk=pk)
        if not _person_allowed(self.request, person):
            raise PermissionDenied("competence.manage")
        context.update(tab="people", **selectors.person_record(person))
        return context


class PersonPdfView(Gate, View):
    capability = "competence.view"

    def get(self, request, pk):
        person = get_object_or_404(User, pk=pk)
        if not _person_allowed(request, person):
            raise PermissionDenied("competence.manage")
        body = pdf.person_record_pdf(selectors.person_record(person))
        filename = f"ho-so-dao-tao-{person.pk}.pdf"
        export_record(request=request, kind="training_record", filename=filename)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response


class PeopleView(Gate, TemplateView):
    capability = "competence.manage"
    read_only_page = True
    template_name = "quality/competence/people.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(tab="people", people=selectors.staff().order_by("full_name"))
        return context


class RegisterExportView(Gate, View):
    """Sổ theo dõi đào tạo of a year, through the one spreadsheet writer."""

    capability = "competence.manage"
    read_only_page = True

    def get(self, request):
        year = forms.YearForm(request.GET or None).chosen()
        fmt = request.GET.get("format", "xlsx")
        body = spreadsheets.table(
            selectors.register_rows(year),
            fmt=fmt,
            header=selectors.REGISTER_HEADER,
            title=f"Dao tao {year}",
        )
        stem = f"so-theo-doi-dao-tao-{year}"
        response = spreadsheets.download(body, fmt=fmt, filename=stem)
        export_record(request=request, kind="training_register", filename=f"{stem}.{fmt}")
        return response
