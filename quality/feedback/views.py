"""The public satisfaction survey (no sign-in), its QR poster and the results page."""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_ratelimit.decorators import ratelimit

from iso_platform.net import client_ip
from quality.core.steps import Gate
from quality.feedback import services
from quality.feedback.models import QUESTIONS, SCORES, SurveyResponse


def _survey_rate(group, request):
    return settings.SURVEY_RATE


class SurveyView(View):
    """`/s/`: short enough to print; `?hs=<application code>` links the answer to a file."""

    template = "quality/feedback/survey.html"

    def get(self, request):
        return self.render(request, code=request.GET.get("hs", "").strip()[:100])

    def render(self, request, *, code="", errors=None, values=None, status=200, token=None):
        values = values or {}
        return render(
            request,
            self.template,
            {
                "token": token or services.form_token(),
                "questions": [(name, label, values.get(name, "")) for name, label in QUESTIONS],
                "scores": SCORES,
                "code": code,
                "comment": values.get("comment", ""),
                "errors": errors or {},
            },
            status=status,
        )

    @method_decorator(
        ratelimit(key="ip", rate=_survey_rate, method="POST", block=False, group="survey")
    )
    def post(self, request):
        values = {name: request.POST.get(name, "") for name, _label in QUESTIONS}
        values["comment"] = request.POST.get("comment", "")[:2000]
        code = request.POST.get("application_code", "").strip()[:100]
        if getattr(request, "limited", False):
            return self.render(
                request,
                code=code,
                values=values,
                status=429,
                errors={
                    "__all__": [
                        _("Đã nhận quá nhiều phiếu từ cùng một địa chỉ; xin vui lòng thử lại sau.")
                    ]
                },
            )
        try:
            services.response_submit(
                token=request.POST.get("token", ""),
                scores=values,
                comment=values["comment"],
                application_code=code,
                address=client_ip(request),
                honeypot=request.POST.get("website", ""),
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            # A bad, too-early or spent token gets a fresh one; otherwise the person keeps theirs.
            code_of = getattr(exc, "code", None)
            return self.render(
                request,
                code=code,
                values=values,
                errors=errors,
                status=400,
                token=None
                if code_of in ("token", "too_fast", "token_used")
                else request.POST.get("token"),
            )
        return render(request, "quality/feedback/thanks.html")


def _period(request):
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = dt.date(today.year, 1, 1)
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    return (start, end) if start <= end else (end, start)


class ResultsView(Gate, TemplateView):
    capability = "feedback.view"
    template_name = "quality/feedback/results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        start, end = _period(self.request)
        data = services.results(start, end)
        labels = dict(QUESTIONS)
        total = data["total"]
        months = data["by_month"]
        chart = {
            "type": "line",
            "labels": [f"{row['month']:%m/%Y}" for row in months],
            "max": 5,
            "yTitle": _("Điểm trung bình (1–5)"),
            "datasets": [
                {
                    "label": str(labels[name]),
                    "data": [round(float(row[f"avg_{name}"]), 2) for row in months],
                }
                for name, _label in QUESTIONS
            ],
        }
        context.update(
            start=start,
            end=end,
            total=total,
            averages=[
                (labels[name], round(float(total[f"avg_{name}"] or 0), 2)) for name, _l in QUESTIONS
            ],
            low=data["low"],
            by_procedure=data["by_procedure"],
            chart=chart,
            comments=SurveyResponse.objects.filter(
                created_at__date__gte=start, created_at__date__lte=end
            )
            .exclude(comment="")
            .select_related("nonconformity")[:30],
        )
        return context


class PosterView(Gate, TemplateView):
    """A printable A4 sheet for the one-stop-shop desk: the short link and its QR code."""

    capability = "feedback.view"
    template_name = "quality/feedback/poster.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        url = self.request.build_absolute_uri("/s/")
        qr = segno.make(url, error="m")
        context.update(
            url=url,
            short=url.split("://", 1)[-1].rstrip("/"),
            qr=mark_safe(qr.svg_inline(scale=10, title=url)),  # noqa: S308 - segno's own SVG
        )
        return context
