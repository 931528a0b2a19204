"""REST API of the context of the organisation and the risk register (`/api/v1/`)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from quality.core.models import Unit
from quality.documents.apis.shapes import Capability, PersonOut
from quality.documents.models import Document
from quality.improvement.apis import SourceActionsApi, person_field
from quality.improvement.models import ActionKind
from quality.procedures.models import Procedure
from quality.risks import services
from quality.risks.filters import ContextIssueFilter, RiskFilter
from quality.risks.models import ContextIssue, IssueKind, Risk, RiskKind, RiskStatus


class LevelOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    css = serializers.CharField()


def _level(level: services.Level) -> dict:
    return {"key": level.key, "label": str(level.label), "css": level.css}


# --------------------------------------------------------------------------- context


class ContextIssueOut(serializers.ModelSerializer):
    class Meta:
        model = ContextIssue
        fields = ["id", "kind", "title", "description", "is_active", "created_at", "updated_at"]


class ContextIssueIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IssueKind.choices)
    title = serializers.CharField(max_length=300, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)


class ContextIssueListApi(generics.ListAPIView):
    serializer_class = ContextIssueOut
    permission_classes = [Capability.of("risks.view")]
    filterset_class = ContextIssueFilter

    def get_queryset(self):
        return ContextIssue.objects.order_by("kind", "title", "id")

    @extend_schema(request=ContextIssueIn, responses={201: ContextIssueOut})
    def post(self, request):
        data = ContextIssueIn(data=request.data)
        data.is_valid(raise_exception=True)
        issue = services.context_issue_save(actor=request.user, **data.validated_data)
        return Response(ContextIssueOut(issue).data, status=status.HTTP_201_CREATED)


class ContextIssuePatchIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IssueKind.choices, required=False)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class ContextIssueDetailApi(APIView):
    permission_classes = [Capability.of("risks.view")]

    @extend_schema(responses=ContextIssueOut)
    def get(self, request, pk):
        return Response(ContextIssueOut(get_object_or_404(ContextIssue, pk=pk)).data)

    @extend_schema(request=ContextIssuePatchIn, responses=ContextIssueOut)
    def patch(self, request, pk):
        issue = get_object_or_404(ContextIssue, pk=pk)
        data = ContextIssuePatchIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        issue = services.context_issue_save(actor=request.user, issue=issue, **data.validated_data)
        return Response(ContextIssueOut(issue).data)


# --------------------------------------------------------------------------- risks


class RiskOut(serializers.ModelSerializer):
    owner = PersonOut(read_only=True)
    score = serializers.IntegerField(read_only=True)
    level = serializers.SerializerMethodField()
    residual_score = serializers.IntegerField(read_only=True, allow_null=True)
    residual_level = serializers.SerializerMethodField()

    class Meta:
        model = Risk
        fields = [
            "id",
            "kind",
            "title",
            "process",
            "procedure",
            "unit",
            "cause",
            "consequence",
            "likelihood",
            "impact",
            "score",
            "level",
            "owner",
            "status",
            "residual_likelihood",
            "residual_impact",
            "residual_score",
            "residual_level",
            "reevaluated_at",
            "reevaluation_note",
            "created_at",
        ]

    def _level_of(self, score):
        # One look-up of the agency's matrix per score, for a whole list.
        levels = self.context.setdefault("levels", {})
        if score not in levels:
            levels[score] = _level(services.level_of(score))
        return levels[score]

    @extend_schema_field(LevelOut)
    def get_level(self, risk):
        return self._level_of(risk.score)

    @extend_schema_field(LevelOut(allow_null=True))
    def get_residual_level(self, risk):
        return None if risk.residual_score is None else self._level_of(risk.residual_score)


class RiskIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RiskKind.choices, default=RiskKind.RISK)
    title = serializers.CharField(max_length=500, allow_blank=True)
    process = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(), required=False, allow_null=True
    )
    procedure = serializers.PrimaryKeyRelatedField(
        queryset=Procedure.objects.all(), required=False, allow_null=True
    )
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    cause = serializers.CharField(required=False, allow_blank=True, default="")
    consequence = serializers.CharField(required=False, allow_blank=True, default="")
    likelihood = serializers.IntegerField(help_text="1 đến cỡ ma trận của cơ quan.")
    impact = serializers.IntegerField(help_text="1 đến cỡ ma trận của cơ quan.")
    owner = person_field()


class RiskPatchIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RiskKind.choices, required=False)
    title = serializers.CharField(max_length=500, required=False)
    process = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(), required=False, allow_null=True
    )
    procedure = serializers.PrimaryKeyRelatedField(
        queryset=Procedure.objects.all(), required=False, allow_null=True
    )
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    cause = serializers.CharField(required=False, allow_blank=True)
    consequence = serializers.CharField(required=False, allow_blank=True)
    likelihood = serializers.IntegerField(required=False)
    impact = serializers.IntegerField(required=False)
    owner = person_field(required=False)
    status = serializers.ChoiceField(choices=RiskStatus.choices, required=False)


def _risk(pk) -> Risk:
    return get_object_or_404(Risk.objects.select_related("owner"), pk=pk)


class RiskListApi(generics.ListAPIView):
    """The register of risks and opportunities, newest first."""

    serializer_class = RiskOut
    permission_classes = [Capability.of("risks.view")]
    filterset_class = RiskFilter

    def get_queryset(self):
        return Risk.objects.select_related("owner")

    @extend_schema(request=RiskIn, responses={201: RiskOut})
    def post(self, request):
        data = RiskIn(data=request.data)
        data.is_valid(raise_exception=True)
        risk = services.risk_create(actor=request.user, **data.validated_data)
        return Response(RiskOut(_risk(risk.pk)).data, status=status.HTTP_201_CREATED)


class RiskDetailApi(APIView):
    permission_classes = [Capability.of("risks.view")]

    @extend_schema(responses=RiskOut)
    def get(self, request, pk):
        return Response(RiskOut(_risk(pk)).data)

    @extend_schema(request=RiskPatchIn, responses=RiskOut)
    def patch(self, request, pk):
        risk = _risk(pk)
        data = RiskPatchIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        risk = services.risk_update(actor=request.user, risk=risk, **data.validated_data)
        return Response(RiskOut(_risk(risk.pk)).data)


class ReevaluateIn(serializers.Serializer):
    residual_likelihood = serializers.IntegerField()
    residual_impact = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RiskReevaluateApi(APIView):
    permission_classes = [Capability.of("risks.view")]

    @extend_schema(request=ReevaluateIn, responses=RiskOut)
    def post(self, request, pk):
        risk = _risk(pk)
        data = ReevaluateIn(data=request.data)
        data.is_valid(raise_exception=True)
        risk = services.risk_reevaluate(actor=request.user, risk=risk, **data.validated_data)
        return Response(RiskOut(_risk(risk.pk)).data)


class RiskActionsApi(SourceActionsApi):
    """Treatment of a risk (or taking up an opportunity)."""

    permission_classes = [Capability.of("risks.view")]
    model = Risk
    kind = ActionKind.RISK
    source_type = "risk"


class HeatCellOut(serializers.Serializer):
    impact = serializers.IntegerField()
    count = serializers.IntegerField()
    level = LevelOut()


class HeatRowOut(serializers.Serializer):
    likelihood = serializers.IntegerField()
    cells = HeatCellOut(many=True)


class BandOut(serializers.Serializer):
    up_to = serializers.IntegerField(help_text="Điểm cao nhất của mức (khả năng x ảnh hưởng).")
    level = LevelOut()


class HeatMapOut(serializers.Serializer):
    size = serializers.IntegerField(help_text="Cỡ ma trận: khả năng và ảnh hưởng từ 1 đến size.")
    impacts = serializers.ListField(child=serializers.IntegerField())
    bands = BandOut(many=True)
    rows = HeatRowOut(many=True)


class RiskHeatMapApi(APIView):
    """Open risks per (likelihood, impact) cell, rows from the highest likelihood down."""

    permission_classes = [Capability.of("risks.view")]

    @extend_schema(responses=HeatMapOut)
    def get(self, request):
        data = services.heat_map()
        _size, bands = services.matrix()
        return Response(
            {
                "size": data["size"],
                "impacts": data["impacts"],
                "bands": [{"up_to": top, "level": _level(level)} for top, level in bands],
                "rows": [
                    {
                        "likelihood": row["likelihood"],
                        "cells": [
                            {
                                "impact": cell["impact"],
                                "count": cell["count"],
                                "level": _level(cell["level"]),
                            }
                            for cell in row["cells"]
                        ],
                    }
                    for row in data["rows"]
                ],
            }
        )
