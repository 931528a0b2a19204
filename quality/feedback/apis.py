"""REST API of citizen satisfaction (`/api/v1/`): the results of the survey, read only.

The survey form itself is a public HTML page (`/s/`), not part of the API.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from quality.documents.apis.shapes import Capability
from quality.feedback import services


class PeriodIn(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs):
        year = timezone.localdate().year
        attrs.setdefault("start", dt.date(year, 1, 1))
        attrs.setdefault("end", dt.date(year, 12, 31))
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError(
                {"end": _("Ngày kết thúc phải từ ngày bắt đầu trở đi.")}
            )
        return attrs


class AveragesOut(serializers.Serializer):
    n = serializers.IntegerField(help_text="Số phiếu.")
    avg_overall = serializers.FloatField(allow_null=True)
    avg_timeliness = serializers.FloatField(allow_null=True)
    avg_staff = serializers.FloatField(allow_null=True)


class ByProcedureOut(AveragesOut):
    procedure_code = serializers.CharField(allow_null=True)
    procedure_name = serializers.CharField(allow_null=True)


class ByMonthOut(AveragesOut):
    month = serializers.DateField(help_text="Ngày đầu tháng.")


class ResultsOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    total = AveragesOut()
    low = serializers.IntegerField(help_text="Số phiếu không hài lòng (mở sự không phù hợp).")
    by_procedure = ByProcedureOut(many=True)
    by_month = ByMonthOut(many=True)


def _averages(row: dict) -> dict:
    def rounded(value):
        return None if value is None else round(float(value), 2)

    return {
        "n": row["n"],
        "avg_overall": rounded(row["avg_overall"]),
        "avg_timeliness": rounded(row["avg_timeliness"]),
        "avg_staff": rounded(row["avg_staff"]),
    }


class SurveyResultsApi(APIView):
    """Averages and counts of the satisfaction survey, by procedure and by month."""

    permission_classes = [Capability.of("feedback.view")]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", dt.date, description="Mặc định: 1/1 năm nay."),
            OpenApiParameter("end", dt.date, description="Mặc định: 31/12 năm nay."),
        ],
        responses=ResultsOut,
    )
    def get(self, request):
        period = PeriodIn(data=request.query_params)
        period.is_valid(raise_exception=True)
        start, end = period.validated_data["start"], period.validated_data["end"]
        data = services.results(start, end)
        return Response(
            ResultsOut(
                {
                    "start": start,
                    "end": end,
                    "total": _averages(data["total"]),
                    "low": data["low"],
                    "by_procedure": [
                        {
                            "procedure_code": row["procedure__code"],
                            "procedure_name": row["procedure__name"],
                            **_averages(row),
                        }
                        for row in data["by_procedure"]
                    ],
                    "by_month": [
                        {"month": timezone.localtime(row["month"]).date(), **_averages(row)}
                        for row in data["by_month"]
                    ],
                }
            ).data
        )
