"""REST API of quality objectives and their measurement (`/api/v1/`)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from quality.core.models import Unit
from quality.documents.apis.shapes import Capability, PersonOut
from quality.improvement.apis import SourceActionsApi, person_field
from quality.improvement.models import ActionKind
from quality.objectives import services
from quality.objectives.filters import ObjectiveFilter
from quality.objectives.models import Direction, Frequency, Measurement, Method, Objective
from quality.procedures.models import Procedure


class ObjectiveOut(serializers.ModelSerializer):
    owner = PersonOut(read_only=True)

    class Meta:
        model = Objective
        fields = [
            "id",
            "year",
            "title",
            "indicator",
            "target",
            "unit_label",
            "direction",
            "frequency",
            "method",
            "procedure",
            "unit",
            "owner",
            "created_at",
        ]


class MeasurementOut(serializers.ModelSerializer):
    recorded_by = PersonOut(read_only=True, allow_null=True)

    class Meta:
        model = Measurement
        fields = [
            "id",
            "objective",
            "period_start",
            "period_end",
            "value",
            "met",
            "computed",
            "evidence",
            "recorded_by",
            "recorded_at",
        ]


class PeriodOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    measured = serializers.BooleanField()


class ObjectiveDetailOut(ObjectiveOut):
    measurements = MeasurementOut(many=True, read_only=True)
    periods = PeriodOut(many=True, read_only=True)
    chart = serializers.DictField(read_only=True, help_text="Dữ liệu biểu đồ đạt mục tiêu.")

    class Meta(ObjectiveOut.Meta):
        fields = [*ObjectiveOut.Meta.fields, "measurements", "periods", "chart"]


def _objective(pk) -> Objective:
    return get_object_or_404(Objective.objects.select_related("owner"), pk=pk)


def _detail(objective: Objective) -> dict:
    measurements = list(objective.measurements.select_related("recorded_by"))
    measured = {m.period_start for m in measurements}
    data = ObjectiveOut(objective).data
    data["measurements"] = MeasurementOut(measurements, many=True).data
    data["periods"] = PeriodOut(
        [
            {"start": start, "end": end, "measured": start in measured}
            for start, end in services.periods(objective)
        ],
        many=True,
    ).data
    data["chart"] = services.attainment_chart(objective)
    return data


class ObjectiveIn(serializers.Serializer):
    year = serializers.IntegerField()
    title = serializers.CharField(max_length=300, allow_blank=True)
    indicator = serializers.CharField(max_length=300, allow_blank=True)
    target = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit_label = serializers.CharField(max_length=30, required=False, default="%")
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.AT_LEAST)
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.MONTH)
    method = serializers.ChoiceField(choices=Method.choices, default=Method.MANUAL)
    procedure = serializers.PrimaryKeyRelatedField(
        queryset=Procedure.objects.all(), required=False, allow_null=True
    )
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    owner = person_field()


class ObjectiveListApi(generics.ListAPIView):
    serializer_class = ObjectiveOut
    permission_classes = [Capability.of("objectives.view")]
    filterset_class = ObjectiveFilter

    def get_queryset(self):
        return Objective.objects.select_related("owner").order_by("-year", "id")

    @extend_schema(request=ObjectiveIn, responses={201: ObjectiveDetailOut})
    def post(self, request):
        data = ObjectiveIn(data=request.data)
        data.is_valid(raise_exception=True)
        objective = services.objective_create(actor=request.user, **data.validated_data)
        return Response(_detail(_objective(objective.pk)), status=status.HTTP_201_CREATED)


class ObjectiveDetailApi(APIView):
    """An objective with its measurements, its ended periods and its attainment chart."""

    permission_classes = [Capability.of("objectives.view")]

    @extend_schema(responses=ObjectiveDetailOut)
    def get(self, request, pk):
        return Response(_detail(_objective(pk)))


class MeasurementIn(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
    evidence = serializers.CharField(allow_blank=True)


class ObjectiveMeasurementsApi(APIView):
    permission_classes = [Capability.of("objectives.view")]

    @extend_schema(responses=MeasurementOut(many=True))
    def get(self, request, pk):
        objective = _objective(pk)
        return Response(
            MeasurementOut(objective.measurements.select_related("recorded_by"), many=True).data
        )

    @extend_schema(request=MeasurementIn, responses={201: MeasurementOut})
    def post(self, request, pk):
        objective = _objective(pk)
        data = MeasurementIn(data=request.data)
        data.is_valid(raise_exception=True)
        measurement = services.measurement_record(
            actor=request.user, objective=objective, **data.validated_data
        )
        return Response(MeasurementOut(measurement).data, status=status.HTTP_201_CREATED)


class ComputeOut(serializers.Serializer):
    stored = serializers.IntegerField(help_text="Số kỳ đã tính và lưu.")
    measurements = MeasurementOut(many=True)


class ObjectiveComputeApi(APIView):
    """Compute every ended period of an objective measured from the applications' data."""

    permission_classes = [Capability.of("objectives.view")]

    @extend_schema(request=None, responses=ComputeOut)
    def post(self, request, pk):
        objective = _objective(pk)
        stored = services.measurements_compute(objective=objective, actor=request.user)
        measurements = objective.measurements.select_related("recorded_by")
        return Response(
            {"stored": stored, "measurements": MeasurementOut(measurements, many=True).data}
        )


class ObjectiveActionsApi(SourceActionsApi):
    """The plan for reaching an objective (6.2.2), or the response to a missed one."""

    permission_classes = [Capability.of("objectives.view")]
    model = Objective
    kind = ActionKind.OBJECTIVE
    source_type = "objective"
