"""The department's statistics dashboard on the province console, and one agency's summary.

Both read only the public fact tables (`insights.selectors`). Every table on a page can be
downloaded with the page's own filters plus `table=<key>&format=xlsx|csv`.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from insights.dashboard import tables
from insights.dashboard.forms import StatisticsFilterForm
from insights.selectors.agency import agency_summary
from insights.selectors.breakdowns import breakdown
from insights.selectors.common import EXCLUDED_NOTE, counted_agencies
from insights.selectors.fields import field_rates
from insights.selectors.rankings import INDICATORS, agency_ranking
from insights.selectors.status_grid import (
    AMBER,
    COLOURS,
    GREEN,
    GREY,
    RED,
    STATUS_RULES,
    colour_counts,
    status_grid,
)
from insights.selectors.totals import monthly_trend, province_totals
from iso_platform import spreadsheets
from iso_platform.accounts.permissions import ProvinceUserRequiredMixin, is_province_admin
from iso_platform.audit import export_record
from tenants.models import Agency

CHART_GREEN, CHART_BLUE, CHART_RED, CHART_GREY = "#198754", "#0d6efd", "#dc3545", "#6c757d"
COLOUR_NAMES = {
    GREEN: gettext_lazy("Xanh"),
    AMBER: gettext_lazy("Vàng"),
    RED: gettext_lazy("Đỏ"),
    GREY: gettext_lazy("Xám"),
}


def export_response(table_map: dict, *, table: str, fmt: str, stem: str) -> HttpResponse:
    if fmt not in spreadsheets.CONTENT_TYPES or table not in table_map:
        raise Http404
    chosen = table_map[table]
    body = tables.to_xlsx(chosen) if fmt == "xlsx" else tables.to_csv(chosen)
    return spreadsheets.download(body, fmt=fmt, filename=f"{stem}-{chosen.file_name}")


class ExportableMixin:
    """`?table=<key>&format=xlsx|csv` answers a file of that table instead of the page."""

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        fmt = request.GET.get("format")
        if fmt:
            response = export_response(
                context["tables"], table=request.GET.get("table", ""), fmt=fmt, stem=self.stem
            )
            export_record(
                request=request,
                kind="statistics",
                filename=response["Content-Disposition"].split('"')[1],
            )
            return response
        return self.render_to_response(context)

    def export_query(self, **changes) -> str:
        query = self.request.GET.copy()
        for name in ("format", "table"):
            query.pop(name, None)
        for name, value in changes.items():
            query[name] = value
        return query.urlencode()


def trend_chart(trend: list[dict]) -> dict:
    return {
        "type": "bar",
        "stacked": True,
        "integer": True,
        "labels": [r["label"] for r in trend],
        "yTitle": _("Hồ sơ có kết quả"),
        "datasets": [
            {
                "label": _("Trước hạn"),
                "data": [r["early"] for r in trend],
                "backgroundColor": CHART_GREEN,
            },
            {
                "label": _("Đúng hạn"),
                "data": [r["on_time"] for r in trend],
                "backgroundColor": CHART_BLUE,
            },
            {
                "label": _("Trễ hạn"),
                "data": [r["late"] for r in trend],
                "backgroundColor": CHART_RED,
            },
        ],
    }


def rate_chart(rows: list[dict], *, label_key: str = "label") -> dict:
    return {
        "type": "bar",
        "max": 100,
        "yTitle": "%",
        "labels": [r[label_key] for r in rows],
        "datasets": [
            {
                "label": _("Tỷ lệ đúng và trước hạn (%)"),
                "data": [
                    float(r["on_time_rate"]) if r["on_time_rate"] is not None else None
                    for r in rows
                ],
                "backgroundColor": CHART_BLUE,
            }
        ],
    }


def transition_chart(grid: list[dict]) -> dict:
    """Each agency moving to a newer edition: the share of its gap assessment closed."""
    moving = [r for r in grid if r["transition_target"]]
    return {
        "type": "bar",
        "max": 100,
        "yTitle": "%",
        "labels": [r["name"] for r in moving],
        "datasets": [
            {
                "label": _("Tiến độ chuyển đổi (%)"),
                "data": [r["transition_percent"] or 0 for r in moving],
                "backgroundColor": CHART_BLUE,
            }
        ],
    }


def edition_counts(grid: list[dict]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for row in grid:
        if row["edition_name"]:
            counts[row["edition_name"]] = counts.get(row["edition_name"], 0) + 1
    return sorted(counts.items())


class DashboardView(ExportableMixin, ProvinceUserRequiredMixin, TemplateView):
    template_name = "insights/statistics/dashboard.html"
    stem = "thong-ke"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = StatisticsFilterForm(self.request.GET or None)
        f = form.values()
        period = {"period_from": f["period_from"], "period_to": f["period_to"]}
        indicator = INDICATORS[f["indicator"]]
        totals = province_totals(**period, kind=f["kind"], field=f["field"])
        trend = monthly_trend(**period, kind=f["kind"])
        ranking = agency_ranking(
            indicator=indicator.key, **period, kind=f["kind"], best_first=f["best_first"]
        )
        by_kind = breakdown(by="kind", **period)
        by_parent = breakdown(by="parent", **period)
        fields = field_rates(**period, kind=f["kind"])
        if f["field"]:
            fields = [row for row in fields if row["field"] == f["field"]]
        grid = status_grid(kind=f["kind"])
        table_map = {
            t.key: t
            for t in (
                tables.totals_table(totals),
                tables.trend_table(trend),
                tables.ranking_table(ranking, indicator, limit=f["rows"]),
                tables.breakdown_table(by_kind, by="kind"),
                tables.breakdown_table(by_parent, by="parent"),
                tables.fields_table(fields),
                tables.grid_table(grid, limit=f["rows"]),
            )
        }
        context.update(
            form=form,
            filters=f,
            totals=totals,
            trend=trend,
            ranking=ranking,
            indicator=indicator,
            by_kind=by_kind,
            by_parent=by_parent,
            fields=fields,
            grid=grid,
            tiles=[
                {
                    "code": r["code"],
                    "name": r["name"],
                    "css": tables.COLOUR_CSS[r["colour"]],
                    "title": ": ".join(filter(None, [r["colour_label"], "; ".join(r["reasons"])])),
                    "error": r["freshness"] == "error",
                }
                for r in grid
            ],
            legend=[
                (colour, label, count, tables.COLOUR_CSS[colour])
                for (colour, label), count in zip(
                    COLOURS.items(), colour_counts(grid).values(), strict=True
                )
            ],
            status_rules=[(COLOUR_NAMES[c], rule) for c, rule in STATUS_RULES],
            excluded_note=EXCLUDED_NOTE,
            tables=table_map,
            export_query=self.export_query(),
            export_all_query=self.export_query(rows="all"),
            has_facts=bool(totals["refreshed"])
            or any(r["received"] or r["completed"] for r in trend),
            trend_chart=trend_chart(trend),
            kind_chart=rate_chart(by_kind),
            parent_chart=rate_chart(by_parent),
            transition_chart=transition_chart(grid),
            edition_counts=edition_counts(grid),
            can_manage=is_province_admin(self.request),
        )
        return context


class AgencyStatisticsView(ExportableMixin, ProvinceUserRequiredMixin, TemplateView):
    """One agency's figures only: no link into its records, nothing read from its schema."""

    template_name = "insights/statistics/agency.html"

    @property
    def stem(self) -> str:
        return f"thong-ke-{self.kwargs['code']}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agency = get_object_or_404(
            Agency.objects.agencies().select_related("parent", "merged_into"),
            code=kwargs["code"],
        )
        months = self.request.GET.get("months", "12")
        months = int(months) if months.isdigit() and 1 <= int(months) <= 60 else 12
        summary = agency_summary(agency=agency, months=months)
        table_map = {
            t.key: t
            for t in (
                tables.current_table(summary["current"]),
                tables.trend_table(summary["trend"]),
                tables.fields_table(summary["fields"]),
            )
        }
        context.update(
            agency=agency,
            counted=counted_agencies().filter(pk=agency.pk).exists(),
            month_choices=[(n, n == months) for n in (6, 12, 24, 36, 60)],
            summary=summary,
            tables=table_map,
            export_query=self.export_query(),
            trend_chart=trend_chart(summary["trend"]),
            can_manage=is_province_admin(self.request),
        )
        return context
