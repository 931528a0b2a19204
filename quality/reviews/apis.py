"""REST API of management reviews (9.3) and the annual report (`/api/v1/`)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from quality.core.signatures.apis import (
    SigningIn,
    hide_secrets,
    secrets_split,
    signed_output,
    with_signed_copy,
)
from quality.documents.apis.shapes import Capability, PersonOut
from quality.improvement.apis import SourceActionsApi, person_field
from quality.improvement.models import ActionKind
from quality.reviews.models import AnnualReport, ManagementReview, ReviewItem
from quality.reviews.services import annual_report as annual_reports
from quality.reviews.services import common as review_common
from quality.reviews.services import meetings as review_meetings

# --------------------------------------------------------------------------- reviews


class ReviewOut(serializers.ModelSerializer):
    chair = PersonOut(read_only=True)

    class Meta:
        model = ManagementReview
        fields = [
            "id",
            "title",
            "meeting_on",
            "chair",
            "participants",
            "period_start",
            "period_end",
            "status",
            "inputs_compiled_at",
            "resources",
            "commentary",
            "conclusions",
            "held_at",
            "created_at",
        ]


class ReviewItemOut(serializers.ModelSerializer):
    class Meta:
        model = ReviewItem
        fields = ["id", "source", "source_id", "title", "created_at"]


class ReviewDetailOut(ReviewOut):
    inputs = serializers.JSONField(
        read_only=True, help_text="Đầu vào theo 9.3.2: {period, sections: [...], compiled_on}."
    )
    items = ReviewItemOut(many=True, read_only=True)

    class Meta(ReviewOut.Meta):
        fields = [*ReviewOut.Meta.fields, "inputs", "items"]


def _review(pk) -> ManagementReview:
    return get_object_or_404(
        ManagementReview.objects.select_related("chair").prefetch_related("items"), pk=pk
    )


class ReviewIn(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    meeting_on = serializers.DateField()
    chair = person_field()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    participants = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewListApi(generics.ListAPIView):
    serializer_class = ReviewOut
    permission_classes = [Capability.of("reviews.view")]
    filter_backends = []

    def get_queryset(self):
        return ManagementReview.objects.select_related("chair").order_by("-meeting_on", "-id")

    @extend_schema(request=ReviewIn, responses={201: ReviewDetailOut})
    def post(self, request):
        data = ReviewIn(data=request.data)
        data.is_valid(raise_exception=True)
        review = review_meetings.review_create(actor=request.user, **data.validated_data)
        return Response(ReviewDetailOut(_review(review.pk)).data, status=status.HTTP_201_CREATED)


class ReviewDetailApi(APIView):
    """A review with its compiled inputs (9.3.2) and the items queued for it."""

    permission_classes = [Capability.of("reviews.view")]

    @extend_schema(responses=ReviewDetailOut)
    def get(self, request, pk):
        return Response(ReviewDetailOut(_review(pk)).data)


class ReviewCompileApi(APIView):
    """Compile every input 9.3.2 asks for from the agency's own data (again if needed)."""

    permission_classes = [Capability.of("reviews.view")]

    @extend_schema(request=None, responses=ReviewDetailOut)
    def post(self, request, pk):
        review = review_meetings.review_compile_inputs(actor=request.user, review=_review(pk))
        return Response(ReviewDetailOut(_review(review.pk)).data)


class HoldIn(SigningIn):
    conclusions = serializers.CharField(allow_blank=True)
    commentary = serializers.CharField(required=False, allow_blank=True, default="")
    resources = serializers.CharField(required=False, allow_blank=True, default="")


@hide_secrets
class ReviewHoldApi(APIView):
    """Record the meeting: refused without compiled inputs or without conclusions. The
    numbered minutes are signed as on the page."""

    permission_classes = [Capability.of("reviews.view")]

    @extend_schema(request=HoldIn, responses=signed_output(ReviewDetailOut))
    def post(self, request, pk):
        review = _review(pk)
        data = HoldIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields, secrets = secrets_split(data.validated_data)
        review = review_meetings.review_hold(
            actor=request.user, review=review, signing=secrets, **fields
        )
        answer = ReviewDetailOut(_review(review.pk)).data
        return Response(with_signed_copy(answer, review, request))


class ReviewActionsApi(SourceActionsApi):
    """The outputs of a review (9.3.3), tracked as actions."""

    permission_classes = [Capability.of("reviews.view")]
    model = ManagementReview
    kind = ActionKind.REVIEW
    source_type = "review"

    def actions_of(self, review):
        return review_common.review_actions(review)


# --------------------------------------------------------------------------- annual report


class AnnualReportOut(serializers.ModelSerializer):
    submitted_by = PersonOut(read_only=True, allow_null=True)
    figures = serializers.JSONField(read_only=True, help_text="Số liệu tính từ dữ liệu của năm.")

    class Meta:
        model = AnnualReport
        fields = [
            "id",
            "year",
            "figures",
            "generated_at",
            "assessment",
            "shortcomings",
            "proposals",
            "announced_conformity",
            "status",
            "submitted_at",
            "submitted_by",
        ]


def _report(pk) -> AnnualReport:
    return get_object_or_404(AnnualReport.objects.select_related("submitted_by"), pk=pk)


class YearIn(serializers.Serializer):
    year = serializers.IntegerField()


class AnnualReportListApi(generics.ListAPIView):
    serializer_class = AnnualReportOut
    permission_classes = [Capability.of("reviews.view")]
    filter_backends = []

    def get_queryset(self):
        return AnnualReport.objects.select_related("submitted_by").order_by("-year")

    @extend_schema(request=YearIn, responses={201: AnnualReportOut})
    def post(self, request):
        """Generate (or regenerate, while a draft) the figures of a year's report."""
        data = YearIn(data=request.data)
        data.is_valid(raise_exception=True)
        report = annual_reports.annual_report_generate(
            actor=request.user, year=data.validated_data["year"]
        )
        return Response(AnnualReportOut(_report(report.pk)).data, status=status.HTTP_201_CREATED)


class AnnualReportPatchIn(serializers.Serializer):
    assessment = serializers.CharField(required=False, allow_blank=True)
    shortcomings = serializers.CharField(required=False, allow_blank=True)
    proposals = serializers.CharField(required=False, allow_blank=True)
    announced_conformity = serializers.BooleanField(required=False)


class AnnualReportDetailApi(APIView):
    permission_classes = [Capability.of("reviews.view")]

    @extend_schema(responses=AnnualReportOut)
    def get(self, request, pk):
        return Response(AnnualReportOut(_report(pk)).data)

    @extend_schema(request=AnnualReportPatchIn, responses=AnnualReportOut)
    def patch(self, request, pk):
        report = _report(pk)
        data = AnnualReportPatchIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        report = annual_reports.annual_report_update(
            actor=request.user, report=report, **data.validated_data
        )
        return Response(AnnualReportOut(_report(report.pk)).data)


@hide_secrets
class AnnualReportSubmitApi(APIView):
    """Send the report to the province (Sở KH&CN); it cannot be edited afterwards. The
    numbered report is signed as on the page."""

    permission_classes = [Capability.of("reviews.view")]

    @extend_schema(request=SigningIn, responses=signed_output(AnnualReportOut))
    def post(self, request, pk):
        report = _report(pk)
        data = SigningIn(data=request.data)
        data.is_valid(raise_exception=True)
        _fields, secrets = secrets_split(data.validated_data)
        report = annual_reports.annual_report_submit(
            actor=request.user, report=report, signing=secrets
        )
        return Response(with_signed_copy(AnnualReportOut(_report(report.pk)).data, report, request))
