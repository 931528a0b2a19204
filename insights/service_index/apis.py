"""The service quality index for the department: `/api/v1/statistics/service-index/...` on
the console host, province users only, as the rest of the statistics API (insights.apis).

Errors are 400 with a Vietnamese message per parameter; nothing is read from agency schemas.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from insights.apis import KIND, TAG, StatisticsApi
from insights.selectors.service_index import (
    definitions,
    index_month,
    last_months,
    service_index,
)
from insights.service_index.forms import QueryError, parse_count, parse_kind, parse_month
from tenants.models import Agency


def _points(**kwargs):
    return serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True, **kwargs
    )


def _percent(**kwargs):
    return serializers.DecimalField(
        max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True, **kwargs
    )


class IndicatorOutput(serializers.Serializer):
    key = serializers.CharField()
    group = serializers.CharField()
    group_label = serializers.CharField()
    label = serializers.CharField()
    max_points = serializers.IntegerField()
    points_confirmed = serializers.BooleanField()
    has_data = serializers.BooleanField(help_text="false: nothing to count this month")
    part = serializers.IntegerField()
    whole = serializers.IntegerField()
    rate = _percent(help_text="part / whole, percent; null without data")
    points = _points(help_text="max_points × rate; null without data (not zero)")
    lost = _points()


class ScoreOutput(serializers.Serializer):
    score = _points(help_text="points over the indicators with data")
    attainable = serializers.IntegerField(help_text="their maximum")
    percent = _percent(help_text="score / attainable; null when nothing has data")
    weakest = serializers.ListField(
        child=serializers.CharField(), help_text="indicator keys, most points lost first"
    )
    indicators = IndicatorOutput(many=True)


class AgencyScoreOutput(ScoreOutput):
    rank = serializers.IntegerField(allow_null=True)
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    parent = serializers.CharField()


class DefinitionOutput(serializers.Serializer):
    key = serializers.CharField()
    group = serializers.CharField()
    group_label = serializers.CharField()
    label = serializers.CharField()
    max_points = serializers.IntegerField()
    points_confirmed = serializers.BooleanField()
    definition = serializers.CharField()


class NotComputedOutput(serializers.Serializer):
    group = serializers.CharField()
    group_label = serializers.CharField()
    label = serializers.CharField()
    needs = serializers.CharField()
    max_points = serializers.IntegerField(allow_null=True)


class MonthOutput(serializers.Serializer):
    decision = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM")
    max_attainable = serializers.IntegerField()
    indicators = DefinitionOutput(many=True)
    not_computed = NotComputedOutput(many=True)
    results = AgencyScoreOutput(many=True)


class TrendMonthOutput(ScoreOutput):
    month = serializers.CharField(help_text="YYYY-MM")


class AgencyTrendOutput(serializers.Serializer):
    decision = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    not_computed = NotComputedOutput(many=True)
    months = TrendMonthOutput(many=True)


MONTH = OpenApiParameter(
    "month", OpenApiTypes.STR, description="YYYY-MM, from 2022-06 to this month; default: now"
)
MONTHS = OpenApiParameter("months", OpenApiTypes.INT, description="1 to 36, default 12")


class ServiceIndexApi(StatisticsApi):
    def parsed(self, request, name, parser):
        try:
            return parser(request.query_params.get(name))
        except QueryError as exc:
            raise ValidationError({name: [str(exc.message)]}) from None


class ServiceIndexMonthApi(ServiceIndexApi):
    @extend_schema(tags=[TAG], parameters=[MONTH, KIND], responses=MonthOutput)
    def get(self, request):
        """Every counted agency's service quality index in one month, best first."""
        month = self.parsed(request, "month", parse_month)
        kind = self.parsed(request, "kind", parse_kind)
        spec = definitions()
        body = {
            **spec,
            "month": f"{month:%Y-%m}",
            "results": index_month(month=month, kind=kind),
        }
        return Response(MonthOutput(body).data)


class ServiceIndexAgencyApi(ServiceIndexApi):
    @extend_schema(tags=[TAG], parameters=[MONTH, MONTHS], responses=AgencyTrendOutput)
    def get(self, request, code):
        """One agency's index month by month, up to `month` (the last `months` months)."""
        agency = get_object_or_404(Agency.objects.agencies(), code=code)
        month = self.parsed(request, "month", parse_month)
        count = self.parsed(request, "months", parse_count)
        months = last_months(month, count)
        scored = service_index([agency.pk], months)
        body = {
            "decision": definitions()["decision"],
            "code": agency.code,
            "name": agency.name,
            "not_computed": definitions()["not_computed"],
            "months": [dict(scored[(agency.pk, m)], month=f"{m:%Y-%m}") for m in months],
        }
        return Response(AgencyTrendOutput(body).data)
