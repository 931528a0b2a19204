"""The platform health page of the province console (provincial administrators only)."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from insights.health import checks
from iso_platform.accounts.permissions import ProvinceAdminRequiredMixin

CHART_AGENCIES = 15  # the largest agencies in the storage and error charts; the tables list all
MIB = 1024 * 1024


def _mib(n: int) -> float:
    return round(n / MIB, 2)


class HealthView(ProvinceAdminRequiredMixin, TemplateView):
    template_name = "insights/health/home.html"

    def get_context_data(self, **kwargs):
        with_media = self.request.GET.get("media") == "1"
        snap = checks.snapshot(
            with_media=with_media, fresh_sizes=self.request.GET.get("fresh") == "1"
        )
        by_size = sorted(snap.rows, key=lambda r: r.total_bytes, reverse=True)
        by_errors = sorted(
            (r for r in snap.rows if r.errors_24h), key=lambda r: r.errors_24h, reverse=True
        )
        storage_datasets = [
            {
                "label": _("Cơ sở dữ liệu (MiB)"),
                "data": [_mib(r.schema_bytes) for r in by_size[:CHART_AGENCIES]],
            }
        ]
        if with_media:
            storage_datasets.append(
                {
                    "label": _("Tệp đính kèm (MiB)"),
                    "data": [_mib(r.media_bytes or 0) for r in by_size[:CHART_AGENCIES]],
                }
            )
        charts = {
            "storage": {
                "type": "bar",
                "stacked": True,
                "labels": [r.agency.code for r in by_size[:CHART_AGENCIES]],
                "datasets": storage_datasets,
                "yTitle": "MiB",
            },
            "errors_hourly": {
                "type": "bar",
                "integer": True,
                "labels": [date_format(h, "H\\h") for h in snap.error_hours],
                "datasets": [{"label": _("Lỗi"), "data": snap.error_totals_by_hour}],
            },
            "errors_agencies": {
                "type": "bar",
                "integer": True,
                "labels": [r.agency.code for r in by_errors[:CHART_AGENCIES]],
                "datasets": [
                    {
                        "label": _("Lỗi trong 24 giờ"),
                        "data": [r.errors_24h for r in by_errors[:CHART_AGENCIES]],
                    }
                ],
            },
            "queues": {
                "type": "bar",
                "integer": True,
                "labels": list((snap.queues or {}).keys()),
                "datasets": [
                    {"label": _("Tin nhắn chờ"), "data": list((snap.queues or {}).values())}
                ],
            },
            "pool": {
                "type": "bar",
                "integer": True,
                "labels": [_("Sẵn sàng"), _("Mục tiêu (AGENCY_POOL_SIZE)")],
                "datasets": [
                    {
                        "label": _("Lược đồ dự phòng"),
                        "data": [snap.pool["ready"], snap.pool["target"]],
                    }
                ],
            },
        }
        context = super().get_context_data(**kwargs)
        context.update(
            snap=snap,
            rows=by_size,
            by_errors=by_errors,
            charts=charts,
            with_media=with_media,
            errors_total=sum(snap.error_totals_by_hour),
            queued_total=sum((snap.queues or {}).values()),
            storage_total=sum(r.total_bytes for r in snap.rows),
            pool_short=snap.pool["ready"] < snap.pool["target"],
            can_manage=True,
        )
        return context
