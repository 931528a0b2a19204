"""Agency portal API: who am I, in which agency."""

from django.db import connection
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from iso_platform.accounts.models import User


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
