"""The records register: series, entries, disposal and the carry-over to a new year."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from quality.core.models import Unit
from quality.documents.apis.shapes import Capability, EntryOut, SeriesOut
from quality.documents.filters import SeriesFilter
from quality.documents.models import DisposalMethod, Document, RecordEntry, RecordSeries
from quality.documents.services import records


class SeriesIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    name = serializers.CharField(max_length=300)
    procedure = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(), required=False, allow_null=True
    )
    keeper_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    keeper = serializers.CharField(required=False, allow_blank=True, default="")
    location = serializers.CharField(required=False, allow_blank=True, default="")
    retention_months = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    disposal_method = serializers.ChoiceField(
        choices=DisposalMethod.choices, default=DisposalMethod.DESTROY
    )


class SeriesListApi(generics.ListAPIView):
    serializer_class = SeriesOut
    permission_classes = [Capability.of("records.view")]
    filterset_class = SeriesFilter

    def get_queryset(self):
        return RecordSeries.objects.select_related("procedure").order_by("-year", "name")

    @extend_schema(request=SeriesIn, responses={201: SeriesOut})
    def post(self, request):
        data = SeriesIn(data=request.data)
        data.is_valid(raise_exception=True)
        series = records.record_series_create(actor=request.user, **data.validated_data)
        return Response(SeriesOut(series).data, status=status.HTTP_201_CREATED)


class EntryIn(serializers.Serializer):
    reference = serializers.CharField(max_length=300)
    dated_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SeriesEntriesApi(generics.ListAPIView):
    serializer_class = EntryOut
    permission_classes = [Capability.of("records.view")]
    filter_backends = []

    def get_queryset(self):
        series = get_object_or_404(RecordSeries, pk=self.kwargs["pk"])
        return series.entries.select_related("series", "disposal")

    @extend_schema(request=EntryIn, responses={201: EntryOut})
    def post(self, request, pk):
        series = get_object_or_404(RecordSeries, pk=pk)
        data = EntryIn(data=request.data)
        data.is_valid(raise_exception=True)
        entry = records.record_entry_add(actor=request.user, series=series, **data.validated_data)
        return Response(EntryOut(entry).data, status=status.HTTP_201_CREATED)


class DueEntriesApi(APIView):
    permission_classes = [Capability.of("records.view")]

    @extend_schema(responses=EntryOut(many=True))
    def get(self, request):
        return Response(EntryOut(records.entries_due_for_disposal(), many=True).data)


class DisposeIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=DisposalMethod.choices, required=False)
    disposed_on = serializers.DateField(required=False)
    minutes_reference = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisposeApi(APIView):
    permission_classes = [Capability.of("records.view")]

    @extend_schema(request=DisposeIn, responses=EntryOut)
    def post(self, request, pk):
        entry = get_object_or_404(RecordEntry, pk=pk)
        data = DisposeIn(data=request.data)
        data.is_valid(raise_exception=True)
        records.record_dispose(actor=request.user, entry=entry, **data.validated_data)
        entry.refresh_from_db()
        return Response(EntryOut(entry).data)


class CarryOverIn(serializers.Serializer):
    from_year = serializers.IntegerField(min_value=2000, max_value=2100)
    to_year = serializers.IntegerField(min_value=2000, max_value=2100)


class CarryOverOut(serializers.Serializer):
    created = serializers.IntegerField()


class CarryOverApi(APIView):
    permission_classes = [Capability.of("records.view")]

    @extend_schema(request=CarryOverIn, responses=CarryOverOut)
    def post(self, request):
        data = CarryOverIn(data=request.data)
        data.is_valid(raise_exception=True)
        created = records.record_register_carry_over(actor=request.user, **data.validated_data)
        return Response({"created": created})
