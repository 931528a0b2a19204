"""The service quality index pages: every agency's score on the province console, and one
agency's own score on its host. Both read only the public `ServiceIndexMonth` rows
(`insights.selectors.service_index`); the agency page reads its own agency's rows only.

`?month=YYYY-MM` picks the month (this month by default); a bad one answers 400 with the
reason. Every table downloads with `table=<key>&format=xlsx|csv`.
"""

from __future__ import annotations

from django.db import connection
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from insights.dashboard.forms import KIND_CHOICES
from insights.dashboard.views import CHART_BLUE, CHART_GREEN, ExportableMixin
from insights.selectors.service_index import (
    INDICATORS,
    definitions,
    index_month,
    index_trend,
    last_months,
    province_trend,
    service_index,
)
from insights.service_index import tables
from insights.service_index.forms import QueryError, parse_count, parse_kind, parse_month
from iso_platform.accounts.permissions import ProvinceUserRequiredMixin
from iso_platform.months import month_end
from quality.core.steps import Gate
from tenants.models import Agency

LOST_COLOURS = ("#dc3545", "#fd7e14", "#ffc107", "#6f42c1")


def _number(value):
    return float(value) if value is not None else None


def score_chart(rows: list[dict]) -> dict:
    return {
        "type": "bar",
        "max": 100,
        "yTitle": "%",
        "labels": [r["name"] for r in rows],
        "datasets": [
            {
                "label": _("Tỷ lệ điểm trên các chỉ số eISO tính được (%)"),
                "data": [_number(r["percent"]) for r in rows],
                "backgroundColor": CHART_BLUE,
            }
        ],
    }


def lost_chart(rows: list[dict]) -> dict:
    """Points lost per indicator, stacked: what drags each agency down."""
    return {
        "type": "bar",
        "stacked": True,
        "yTitle": _("Điểm bị mất"),
        "labels": [r["name"] for r in rows],
        "datasets": [
            {
                "label": str(indicator.label),
                "data": [
                    _number(next(i["lost"] for i in r["indicators"] if i["key"] == key))
                    for r in rows
                ],
                "backgroundColor": colour,
            }
            for (key, indicator), colour in zip(INDICATORS.items(), LOST_COLOURS, strict=False)
        ],
    }


def trend_chart(trend: list[dict]) -> dict:
    return {
        "type": "line",
        "max": 100,
        "yTitle": "%",
        "labels": [r["label"] for r in trend],
        "datasets": [
            {
                "label": _("Tỷ lệ điểm (%)"),
                "data": [_number(r["percent"]) for r in trend],
                "borderColor": CHART_GREEN,
                "backgroundColor": CHART_GREEN,
                "spanGaps": True,
            }
        ],
    }


class MonthPageMixin(ExportableMixin):
    """Parses the query first: a bad month or kind renders the page's error with 400."""

    error_template = "insights/service_index/error.html"

    def get(self, request, *args, **kwargs):
        try:
            self.month = parse_month(request.GET.get("month"))
            self.count = parse_count(request.GET.get("months"))
            self.kind = parse_kind(request.GET.get("kind"))
        except QueryError as exc:
            context = {"error": exc.message, "back": request.path}
            return self.response_class(
                request=request,
                template=[self.error_template],
                context=context,
                using=self.template_engine,
                status=400,
            )
        return super().get(request, *args, **kwargs)


class ConsoleServiceIndexView(MonthPageMixin, ProvinceUserRequiredMixin, TemplateView):
    template_name = "insights/service_index/console.html"
    stem = "chi-so-phuc-vu"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        label = f"{self.month:%m/%Y}"
        rows = index_month(month=self.month, kind=self.kind)
        trend = province_trend(month=self.month, count=self.count, kind=self.kind)
        spec = definitions()
        context.update(
            month=self.month,
            month_value=f"{self.month:%Y-%m}",
            kind=self.kind or "",
            kind_choices=KIND_CHOICES,
            count=self.count,
            rows=rows,
            with_data=[r for r in rows if r["attainable"]],
            definitions=spec,
            trend=trend,
            tables={
                t.key: t
                for t in (
                    tables.ranking_table(rows, month_label=label),
                    tables.trend_table(trend),
                    tables.not_computed_table(spec),
                )
            },
            agency_links=True,
            export_query=self.export_query(),
            score_chart=score_chart(rows),
            lost_chart=lost_chart(rows),
            trend_chart=trend_chart(trend),
        )
        return context


def record_links(month) -> dict[str, str]:
    """Where the records behind each indicator are, in this agency, for `month`."""
    first, last = f"{month:%Y-%m-%d}", f"{month_end(month):%Y-%m-%d}"
    applications = reverse("procedures:applications")
    return {
        "on_time": applications
        + "?"
        + urlencode({"timeliness": "late", "completed_from": first, "completed_to": last}),
        "online_applications": applications
        + "?"
        + urlencode({"received_from": first, "received_to": last, "channel": "desk"}),
        "satisfaction": reverse("feedback:results"),
    }


class AgencyServiceIndexView(MonthPageMixin, Gate, TemplateView):
    """The agency's own score: `connection.tenant` only, whatever the query says."""

    capability = "applications.view"
    read_only_page = True
    template_name = "insights/service_index/agency.html"
    stem = "chi-so-phuc-vu"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agency = Agency.objects.get(pk=connection.tenant.pk)
        scored = service_index([agency.pk], [self.month])[(agency.pk, self.month)]
        months = last_months(self.month, self.count)
        trend = index_trend(agencies=Agency.objects.filter(pk=agency.pk), months=months)
        links = record_links(self.month)
        by_key = {r["key"]: r for r in scored["indicators"]}
        spec = definitions()
        label = f"{self.month:%m/%Y}"
        context.update(
            agency=agency,
            month=self.month,
            month_value=f"{self.month:%Y-%m}",
            count=self.count,
            scored=scored,
            weakest=[dict(by_key[key], link=links[key]) for key in scored["weakest"]],
            indicators=[dict(r, link=links[r["key"]]) for r in scored["indicators"]],
            definitions=spec,
            trend=trend,
            tables={
                t.key: t
                for t in (
                    tables.indicators_table(scored, month_label=label),
                    tables.trend_table(trend),
                    tables.not_computed_table(spec),
                )
            },
            export_query=self.export_query(),
            trend_chart=trend_chart(trend),
        )
        return context
