"""Agency portal API: who am I, in which agency."""

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from iso_platform.accounts.models import User
from quality.core.inbox import inbox_for


class MeOutput(serializers.ModelSerializer):
    agency_code = serializers.SerializerMethodField()
    agency_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["email", "full_name", "role", "is_agency_admin", "agency_code", "agency_name"]

    def get_agency_code(self, _user) -> str:
        return connection.tenant.code

    def get_agency_name(self, _user) -> str:
        return connection.tenant.name


class MeApi(APIView):
    """The signed-in person and their agency."""

    serializer_class = MeOutput

    def get(self, request):
        return Response(MeOutput(request.user).data)


class WorkItemOutput(serializers.Serializer):
    kind = serializers.CharField()
    area = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="The page on this host where the work is done.")
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)


class MyWorkApi(APIView):
    """What waits for the signed-in person across the QMS, soonest due first."""

    serializer_class = WorkItemOutput

    @extend_schema(responses=WorkItemOutput(many=True))
    def get(self, request):
        from django.utils import timezone

        today = timezone.localdate()
        items = [item.as_dict(today) for item in inbox_for(request.user, today)]
        return Response(WorkItemOutput(items, many=True).data)
