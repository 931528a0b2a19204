"""Change requests on a document: raised, accepted (a new draft) or rejected."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from quality.documents.apis.revisions import NoteIn
from quality.documents.apis.shapes import Capability, ChangeRequestOut, RevisionOut
from quality.documents.models import ChangeRequest, Document
from quality.documents.services import documents


class ChangeRequestIn(serializers.Serializer):
    reason = serializers.CharField()
    proposal = serializers.CharField(required=False, allow_blank=True, default="")


class DocumentChangeRequestsApi(APIView):
    permission_classes = [Capability.of("documents.view")]

    @extend_schema(responses=ChangeRequestOut(many=True))
    def get(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        return Response(
            ChangeRequestOut(
                document.change_requests.select_related("requested_by"), many=True
            ).data
        )

    @extend_schema(request=ChangeRequestIn, responses={201: ChangeRequestOut})
    def post(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        data = ChangeRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        change = documents.change_request_create(
            actor=request.user, document=document, **data.validated_data
        )
        return Response(ChangeRequestOut(change).data, status=status.HTTP_201_CREATED)


class ChangeRequestDecisionApi(APIView):
    permission_classes = [Capability.of("documents.view")]
    accept = True

    @extend_schema(request=NoteIn, responses={201: RevisionOut})
    def post(self, request, pk):
        return self.decide(request, pk)

    def decide(self, request, pk):
        change = get_object_or_404(ChangeRequest, pk=pk)
        data = NoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        if self.accept:
            revision = documents.change_request_accept(
                actor=request.user, request=change, note=data.validated_data["note"]
            )
            return Response(RevisionOut(revision).data, status=status.HTTP_201_CREATED)
        change = documents.change_request_reject(
            actor=request.user, request=change, note=data.validated_data["note"]
        )
        return Response(ChangeRequestOut(change).data)


class ChangeRequestRejectApi(ChangeRequestDecisionApi):
    """Rejecting answers with the change request itself (no revision is made)."""

    accept = False

    @extend_schema(request=NoteIn, responses={200: ChangeRequestOut})
    def post(self, request, pk):
        return self.decide(request, pk)
