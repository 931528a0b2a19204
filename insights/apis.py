"""Read-only statistics API for the department and the province's reporting tools.

`/api/v1/statistics/...` on the console host only (the agency portals do not route it);
province users only (`IsProvinceUser`). The same filters as the dashboard
(`StatisticsFilterForm`); the same selectors, so the same numbers.
"""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from insights.dashboard.forms import KIND_CHOICES, ORDER_CHOICES, StatisticsFilterForm
from insights.selectors.agency import agency_summary
from insights.selectors.breakdowns import BREAKDOWNS, breakdown
from insights.selectors.common import STATUS_FIELDS
from insights.selectors.fields import field_rates
from insights.selectors.rankings import INDICATORS, agency_ranking
from insights.selectors.status_grid import COLOURS, FRESHNESS, status_grid
from insights.selectors.totals import monthly_trend, province_totals
from iso_platform.accounts.permissions import IsProvinceUser
from tenants.models import Agency

TAG = "statistics"


def _rate(**kwargs):
    return serializers.DecimalField(
        max_digits=5, decimal_places=1, coerce_to_string=False, allow_null=True, **kwargs
    )


def _score(**kwargs):
    return serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, allow_null=True, **kwargs
    )


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """An int stays an int, a Decimal becomes a JSON number; None stays null."""

    def to_representation(self, value):
        return float(value) if isinstance(value, Decimal) else value


def _status_figures(*, nullable: bool) -> type:
    """One integer per `STATUS_FIELDS` (the figures as of the last refresh): the
    list is kept once, in the selectors, not copied into every output."""
    fields = {name: serializers.IntegerField(allow_null=nullable) for name in STATUS_FIELDS}
    name = "NullableStatusFigures" if nullable else "StatusFigures"
    return type(name, (serializers.Serializer,), fields)


StatusFigures = _status_figures(nullable=False)
NullableStatusFigures = _status_figures(nullable=True)  # agencies never refreshed: null


class FlowOutput(serializers.Serializer):
    received = serializers.IntegerField(allow_null=True)
    completed = serializers.IntegerField()
    early = serializers.IntegerField(allow_null=True)
    on_time = serializers.IntegerField(allow_null=True)
    in_time = serializers.IntegerField(help_text="early + on time")
    late = serializers.IntegerField()
    on_time_rate = _rate(help_text="in_time / completed, percent; null when nothing completed")
    ncs_opened = serializers.IntegerField()
    ncs_closed = serializers.IntegerField()
    satisfaction_responses = serializers.IntegerField()
    satisfaction_score = _score(help_text="average score, 1 to 5")


class TotalsOutput(FlowOutput, StatusFigures):
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    kind = serializers.CharField(allow_null=True)
    field = serializers.CharField(allow_null=True)
    agencies = serializers.IntegerField(help_text="agencies counted")
    reviews_held = serializers.IntegerField()
    refreshed = serializers.IntegerField(help_text="agencies whose figures were ever refreshed")
    refresh_errors = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="agencies with changes waiting for a refresh")


class TrendRowOutput(FlowOutput):
    month = serializers.DateField()
    label = serializers.CharField()


class RankingRowOutput(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    parent = serializers.CharField()
    value = NumberField(
        allow_null=True, help_text="count, percent or score; null when there is none"
    )


class RankingOutput(serializers.Serializer):
    indicator = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    results = RankingRowOutput(many=True)


class BreakdownRowOutput(FlowOutput):
    key = serializers.CharField(allow_null=True, help_text="agency kind, or parent's code")
    label = serializers.CharField()
    agencies = serializers.IntegerField()
    overdue_now = serializers.IntegerField()
    ncs_overdue = serializers.IntegerField()
    actions_overdue = serializers.IntegerField()
    documents_review_overdue = serializers.IntegerField()
    audits_done = serializers.IntegerField()
    reviews_held = serializers.IntegerField()


class GridRowOutput(NullableStatusFigures):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    parent = serializers.CharField()
    suspended = serializers.BooleanField()
    colour = serializers.ChoiceField(choices=list(COLOURS))
    colour_label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    year = serializers.IntegerField(allow_null=True)
    review_held = serializers.BooleanField(allow_null=True)
    freshness = serializers.ChoiceField(choices=list(FRESHNESS))
    freshness_label = serializers.CharField()
    refreshed_at = serializers.DateTimeField(allow_null=True)
    dirty_since = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True, allow_blank=True)
    failed_at = serializers.DateTimeField(allow_null=True)


class FieldRowOutput(serializers.Serializer):
    field = serializers.CharField()
    agencies = serializers.IntegerField()
    completed = serializers.IntegerField()
    in_time = serializers.IntegerField()
    late = serializers.IntegerField()
    on_time_rate = _rate()


class AgencyInfoOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    parent = serializers.CharField()
    status = serializers.CharField()


class CurrentOutput(StatusFigures):
    year = serializers.IntegerField()
    review_held = serializers.BooleanField()
    last_activity = serializers.DateTimeField(allow_null=True)


class AgencySummaryOutput(serializers.Serializer):
    agency = AgencyInfoOutput()
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    months = serializers.IntegerField()
    totals = FlowOutput()
    trend = TrendRowOutput(many=True)
    fields = FieldRowOutput(many=True)
    current = CurrentOutput(allow_null=True)
    colour = serializers.CharField()
    colour_label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    freshness = serializers.CharField()
    freshness_label = serializers.CharField()
    refreshed_at = serializers.DateTimeField(allow_null=True)
    dirty_since = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True, allow_blank=True)
    failed_at = serializers.DateTimeField(allow_null=True)


# --------------------------------------------------------------------------- parameters

START = OpenApiParameter(
    "start",
    OpenApiTypes.STR,
    description="YYYY-MM (first day of the month) or YYYY-MM-DD; default: 11 months ago",
)
END = OpenApiParameter(
    "end", OpenApiTypes.STR, description="YYYY-MM (last day of the month) or YYYY-MM-DD"
)
YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="a whole year; wins over start/end")
KIND = OpenApiParameter("kind", OpenApiTypes.STR, enum=[k for k, _l in KIND_CHOICES if k])
FIELD = OpenApiParameter("field", OpenApiTypes.STR, description="procedure field (exact name)")
PERIOD = [START, END, YEAR]


class StatisticsApi(APIView):
    permission_classes = [IsProvinceUser]

    def filters(self, request) -> dict:
        form = StatisticsFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        return form.cleaned_data

    @staticmethod
    def period(f: dict) -> dict:
        return {"period_from": f["period_from"], "period_to": f["period_to"]}

    def period_rows(self, request, selector, output) -> Response:
        """`selector(period, kind)` rows through `output(many=True)`."""
        f = self.filters(request)
        return Response(output(selector(**self.period(f), kind=f["kind"]), many=True).data)


class TotalsApi(StatisticsApi):
    @extend_schema(tags=[TAG], parameters=[*PERIOD, KIND, FIELD], responses=TotalsOutput)
    def get(self, request):
        """Province-wide totals: flows over the period, current figures as of the last refresh."""
        f = self.filters(request)
        totals = province_totals(**self.period(f), kind=f["kind"], field=f["field"])
        return Response(TotalsOutput(totals).data)


class TrendApi(StatisticsApi):
    @extend_schema(tags=[TAG], parameters=[*PERIOD, KIND], responses=TrendRowOutput(many=True))
    def get(self, request):
        """Month by month (every month of the period, empty ones with zeros)."""
        return self.period_rows(request, monthly_trend, TrendRowOutput)


class RankingApi(StatisticsApi):
    @extend_schema(
        tags=[TAG],
        parameters=[
            OpenApiParameter("indicator", OpenApiTypes.STR, enum=list(INDICATORS)),
            OpenApiParameter("order", OpenApiTypes.STR, enum=[k for k, _l in ORDER_CHOICES]),
            OpenApiParameter("limit", OpenApiTypes.INT, description="first N agencies only"),
            *PERIOD,
            KIND,
        ],
        responses=RankingOutput,
    )
    def get(self, request):
        """Agencies ranked on one indicator; by default those needing attention first."""
        f = self.filters(request)
        limit = request.query_params.get("limit")
        if limit is not None and (not limit.isdigit() or int(limit) < 1):
            raise ValidationError({"limit": ["positive integer"]})
        indicator = INDICATORS[f["indicator"]]
        rows = agency_ranking(
            indicator=indicator.key,
            **self.period(f),
            kind=f["kind"],
            limit=int(limit) if limit else None,
            best_first=f["best_first"],
        )
        body = {
            "indicator": indicator.key,
            "label": indicator.label,
            "unit": indicator.unit,
            **self.period(f),
            "results": rows,
        }
        return Response(RankingOutput(body).data)


class BreakdownApi(StatisticsApi):
    @extend_schema(
        tags=[TAG],
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, enum=list(BREAKDOWNS)),
            *PERIOD,
        ],
        responses=BreakdownRowOutput(many=True),
    )
    def get(self, request):
        """Figures grouped by agency kind (`by=kind`, the default) or parent agency."""
        f = self.filters(request)
        by = request.query_params.get("by", "kind")
        if by not in BREAKDOWNS:
            raise ValidationError({"by": [f"one of {', '.join(BREAKDOWNS)}"]})
        rows = breakdown(by=by, **self.period(f))
        return Response(BreakdownRowOutput(rows, many=True).data)


class GridApi(StatisticsApi):
    @extend_schema(tags=[TAG], parameters=[KIND], responses=GridRowOutput(many=True))
    def get(self, request):
        """Every agency's colour (green, amber, red, grey), the reasons, and freshness."""
        f = self.filters(request)
        return Response(GridRowOutput(status_grid(kind=f["kind"]), many=True).data)


class FieldsApi(StatisticsApi):
    @extend_schema(tags=[TAG], parameters=[*PERIOD, KIND], responses=FieldRowOutput(many=True))
    def get(self, request):
        """On-time figures per procedure field (whole months), worst first."""
        return self.period_rows(request, field_rates, FieldRowOutput)


class AgencySummaryApi(StatisticsApi):
    @extend_schema(
        tags=[TAG],
        parameters=[
            OpenApiParameter("months", OpenApiTypes.INT, description="1 to 60, default 12")
        ],
        responses=AgencySummaryOutput,
    )
    def get(self, request, code):
        """One agency's figures only (no records): the last `months` months and now."""
        agency = get_object_or_404(
            Agency.objects.agencies().select_related("parent"),
            code=code,
        )
        months = request.query_params.get("months", "12")
        if not months.isdigit() or not 1 <= int(months) <= 60:
            raise ValidationError({"months": ["1 to 60"]})
        summary = agency_summary(agency=agency, months=int(months))
        return Response(AgencySummaryOutput(summary).data)
