"""Pages: management reviews (inputs compiled, meeting, outputs, minutes) and the annual
report on applying the QMS (generated, edited, exported, submitted to the province)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from iso_platform.forms import add_errors, error_text, form_errors
from quality.core.permissions import can
from quality.core.reports import file_response
from quality.core.steps import Gate, Step
from quality.improvement.models import ActionKind
from quality.improvement.views import SourceActionAddView, actions_context, trail
from quality.reviews import forms
from quality.reviews.models import (
    AnnualReport,
    AnnualReportStatus,
    ManagementReview,
    ReviewItem,
    ReviewStatus,
)
from quality.reviews.services import annual_report as annual_reports
from quality.reviews.services import common as review_common
from quality.reviews.services import inputs as review_inputs
from quality.reviews.services import meetings as review_meetings


class ReviewListView(Gate, TemplateView):
    capability = "reviews.view"
    template_name = "quality/reviews/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            reviews=ManagementReview.objects.select_related("chair"),
            waiting=ReviewItem.objects.filter(review__isnull=True),
            can_manage=can(self.request.user, "reviews.manage"),
        )
        return context


class ReviewCreateView(Gate, View):
    capability = "reviews.manage"
    template = "quality/reviews/create.html"

    def get(self, request):
        return render(request, self.template, {"form": forms.ReviewForm()})

    def post(self, request):
        form = forms.ReviewForm(request.POST)
        if form.is_valid():
            try:
                review = review_meetings.review_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request, _("Đã tạo cuộc họp. Tiếp theo: tổng hợp đầu vào từ dữ liệu.")
                )
                return redirect(review)
        return render(request, self.template, {"form": form}, status=400)


class ReviewDetailView(Gate, TemplateView):
    capability = "reviews.view"
    template_name = "quality/reviews/detail.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        review = get_object_or_404(ManagementReview.objects.select_related("chair"), pk=pk)
        user = self.request.user
        draft = review.status == ReviewStatus.DRAFT
        context.update(
            review=review,
            draft=draft,
            sections=review.inputs.get("sections", []),
            items=review.items.all(),
            can_manage=can(user, "reviews.manage"),
            hold_form=forms.HoldForm(initial={"resources": review.resources}, signer=user),
            audit=trail("managementreview", review.pk),
            actions_title=_("Đầu ra: quyết định và hành động (9.3.3)"),
            **actions_context(
                user,
                list(review_common.review_actions(review).select_related("verified_by")),
                "reviews.manage",
                f"/reviews/{review.pk}/actions/",
            ),
        )
        return context


class CompileView(Step):
    model = ManagementReview
    success = gettext_lazy("Đã tổng hợp đầu vào theo 9.3.2 từ dữ liệu của cơ quan.")

    def act(self, review, data):
        return review_meetings.review_compile_inputs(actor=self.request.user, review=review)


class HoldView(Step):
    model = ManagementReview
    form_class = forms.HoldForm
    success = gettext_lazy("Đã ghi nhận cuộc họp; biên bản sẵn sàng tải về.")

    def form_kwargs(self, review):
        return {"signer": self.request.user}

    def act(self, review, data):
        return review_meetings.review_hold(
            actor=self.request.user,
            review=review,
            conclusions=data["conclusions"],
            commentary=data.get("commentary", ""),
            resources=data.get("resources", ""),
            signing=self.form.signing_secrets(),
        )


class ReviewActionAddView(SourceActionAddView):
    model = ManagementReview
    kind = ActionKind.REVIEW
    source_type = "review"


class MinutesFileView(Gate, View):
    capability = "reviews.view"
    fmt = "pdf"

    def get(self, request, pk):
        review = get_object_or_404(ManagementReview, pk=pk)
        return file_response(
            review_inputs.minutes_report(review),
            self.fmt,
            f"bien-ban-xem-xet-{review.pk}",
            request=request,
        )


# --------------------------------------------------------------------------- annual report


class AnnualListView(Gate, TemplateView):
    capability = "reviews.view"
    template_name = "quality/reviews/annual_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            reports=AnnualReport.objects.select_related("submitted_by"),
            year_form=forms.YearForm(),
            can_manage=can(self.request.user, "reviews.manage"),
        )
        return context


class AnnualGenerateView(Gate, View):
    capability = "reviews.manage"

    def post(self, request):
        form = forms.YearForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return redirect("reviews:annual")
        try:
            report = annual_reports.annual_report_generate(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("reviews:annual")
        messages.success(request, _("Đã lấy số liệu từ dữ liệu của cơ quan."))
        return redirect(report)


class AnnualDetailView(Gate, TemplateView):
    capability = "reviews.view"
    template_name = "quality/reviews/annual_detail.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        report = get_object_or_404(AnnualReport.objects.select_related("submitted_by"), pk=pk)
        document = annual_reports.annual_report_document(report)
        context.update(
            report=report,
            document=document,
            draft=report.status == AnnualReportStatus.DRAFT,
            receiver=annual_reports.annual_report_receiver(),
            form=forms.AnnualReportForm(instance=report),
            submit_form=forms.AnnualSubmitForm(signer=self.request.user),
            can_manage=can(self.request.user, "reviews.manage"),
            audit=trail("annualreport", report.pk),
        )
        return context


class AnnualStep(Step):
    model = AnnualReport


class AnnualEditView(AnnualStep):
    form_class = forms.AnnualReportForm
    success = gettext_lazy("Đã lưu.")

    def act(self, report, data):
        return annual_reports.annual_report_update(actor=self.request.user, report=report, **data)


class AnnualRegenerateView(AnnualStep):
    success = gettext_lazy("Đã cập nhật số liệu từ dữ liệu hiện tại.")

    def act(self, report, data):
        return annual_reports.annual_report_generate(actor=self.request.user, year=report.year)


class AnnualSubmitView(AnnualStep):
    form_class = forms.AnnualSubmitForm

    def form_kwargs(self, report):
        return {"signer": self.request.user}

    def act(self, report, data):
        submitted = annual_reports.annual_report_submit(
            actor=self.request.user, report=report, signing=self.form.signing_secrets()
        )
        receiver = annual_reports.annual_report_receiver()
        self.success = _("Đã gửi báo cáo tới %(name)s.") % {"name": receiver.name}
        return submitted


class AnnualFileView(Gate, View):
    capability = "reviews.view"
    fmt = "pdf"

    def get(self, request, pk):
        report = get_object_or_404(AnnualReport, pk=pk)
        return file_response(
            annual_reports.annual_report_document(report),
            self.fmt,
            f"bao-cao-iso-{report.year}",
            request=request,
        )
