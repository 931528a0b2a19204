"""The read API of the province's data platform: `/api/province/v1/` on the console host.

The same selectors (and so the same numbers) as the statistics API and the console's status
grid; versioned in the path, lists paginated (`limit`, `offset`; `count`, `next`,
`previous`, `results`), a data key with the view's scope, a rate per key.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from insights import apis
from insights.data_api.auth import DataKeyAuthentication, DataKeyThrottle, HasScope
from insights.selectors.status_grid import status_grid
from insights.selectors.totals import monthly_trend

TAG = "province-data"


class Page(LimitOffsetPagination):
    default_limit = 100
    max_limit = 500


class DataApi(apis.StatisticsApi):
    authentication_classes = [DataKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [DataKeyThrottle]
    scope_required = "statistics:read"

    def paged(self, request, rows: list, output) -> Response:
        paginator = Page()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(output(page, many=True).data)


def _paged(output):
    return inline_serializer(
        name=f"Paged{output.__name__}",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": output(many=True),
        },
    )


class TotalsApi(DataApi):
    @extend_schema(tags=[TAG], parameters=[*apis.PERIOD, apis.KIND], responses=apis.TotalsOutput)
    def get(self, request):
        """Province-wide totals over the period (scope `statistics:read`)."""
        return apis.TotalsApi.get(self, request)


class TrendApi(DataApi):
    @extend_schema(
        tags=[TAG], parameters=[*apis.PERIOD, apis.KIND], responses=_paged(apis.TrendRowOutput)
    )
    def get(self, request):
        """Month by month (scope `statistics:read`), paginated."""
        f = self.filters(request)
        rows = monthly_trend(**self.period(f), kind=f["kind"])
        return self.paged(request, list(rows), apis.TrendRowOutput)


class StatusGridApi(DataApi):
    scope_required = "status:read"

    @extend_schema(tags=[TAG], parameters=[apis.KIND], responses=_paged(apis.GridRowOutput))
    def get(self, request):
        """Every agency's colour, reasons and freshness (scope `status:read`), paginated."""
        f = self.filters(request)
        return self.paged(request, list(status_grid(kind=f["kind"])), apis.GridRowOutput)
