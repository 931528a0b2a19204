"""Platform API on the bare domain: `/api/v1/agencies/` and provisioning jobs.

One view per operation, small input and output serializers; services do the work.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from iso_platform.accounts.permissions import IsProvinceAdmin, IsProvinceUser
from tenants.filters import AgencyFilter
from tenants.models import AGENCY_KINDS_FOR_NEW, CODE_MAX_LENGTH, Agency, ProvisioningJob
from tenants.services.jobs import provisioning_job_create
from tenants.services.lifecycle import agency_resume, agency_suspend
from tenants.services.provisioning import AgencySpec


def _agencies():
    return Agency.objects.agencies().select_related("parent")


class AgencyOutput(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, allow_null=True)
    url = serializers.CharField(read_only=True)

    class Meta:
        model = Agency
        fields = [
            "code",
            "name",
            "identifier",
            "kind",
            "status",
            "status_reason",
            "parent_code",
            "url",
            "created_at",
            "updated_at",
        ]


class AgencyCreateInput(serializers.Serializer):
    code = serializers.CharField(max_length=CODE_MAX_LENGTH)
    name = serializers.CharField(max_length=255)
    identifier = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in AGENCY_KINDS_FOR_NEW])
    parent_code = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    admin_email = serializers.EmailField()
    admin_name = serializers.CharField(max_length=150)


class JobOutput(serializers.ModelSerializer):
    agency = AgencyOutput(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProvisioningJob
        fields = [
            "id",
            "url",
            "code",
            "name",
            "kind",
            "status",
            "step",
            "progress",
            "error",
            "method",
            "duration_ms",
            "agency",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_url(self, job) -> str:
        return reverse(
            "api:provisioning-job-detail", args=[job.pk], request=self.context.get("request")
        )


class SuspendInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AgencyListCreateApi(generics.ListAPIView):
    """List agencies (province users); POST queues a provisioning job (province admins)."""

    serializer_class = AgencyOutput
    filterset_class = AgencyFilter

    def get_permissions(self):
        return [IsProvinceAdmin()] if self.request.method == "POST" else [IsProvinceUser()]

    def get_queryset(self):
        return _agencies().order_by("name")

    @extend_schema(request=AgencyCreateInput, responses={202: JobOutput})
    def post(self, request):
        data = AgencyCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = provisioning_job_create(
            spec=AgencySpec(**data.validated_data), requested_by=request.user
        )
        body = JobOutput(job, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class AgencyDetailApi(generics.RetrieveAPIView):
    serializer_class = AgencyOutput
    permission_classes = [IsProvinceUser]
    lookup_field = "code"

    def get_queryset(self):
        return _agencies()


class AgencySuspendApi(APIView):
    permission_classes = [IsProvinceAdmin]

    @extend_schema(request=SuspendInput, responses={200: AgencyOutput})
    def post(self, request, code):
        agency = get_object_or_404(_agencies(), code=code)
        data = SuspendInput(data=request.data)
        data.is_valid(raise_exception=True)
        agency = agency_suspend(
            agency=agency, by=request.user, reason=data.validated_data["reason"]
        )
        return Response(AgencyOutput(agency).data)


class AgencyResumeApi(APIView):
    permission_classes = [IsProvinceAdmin]

    @extend_schema(request=None, responses={200: AgencyOutput})
    def post(self, request, code):
        agency = get_object_or_404(_agencies(), code=code)
        return Response(AgencyOutput(agency_resume(agency=agency, by=request.user)).data)


class ProvisioningJobDetailApi(generics.RetrieveAPIView):
    """Follow a provisioning job until `status` is `succeeded` (or `failed`, with `error`)."""

    serializer_class = JobOutput
    permission_classes = [IsProvinceAdmin]
    queryset = ProvisioningJob.objects.select_related("agency", "agency__parent")
