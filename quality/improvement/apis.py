"""REST API of nonconformities and actions (`/api/v1/` on the agency's host).

One view per operation; small input serializers check the shape, the services decide and
write. `SourceActionsApi` is the base of every "actions of X" route (risks, objectives,
management reviews): the same `Action`, assigned through `action_add`.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from iso_platform.accounts.models import User
from iso_platform.api import StepApi
from quality.core.models import Unit
from quality.documents.apis.shapes import Capability, PersonOut
from quality.improvement import services
from quality.improvement.filters import ActionFilter, NonconformityFilter
from quality.improvement.models import (
    Action,
    ActionEvidence,
    ActionKind,
    NcSeverity,
    NcSource,
    Nonconformity,
    RootCauseMethod,
)

MSG_NO_PERSON = gettext_lazy("Không có người dùng đang hoạt động mã {pk_value} trong cơ quan.")


def active_users():
    """People who may be named in an input: active users of this agency (its schema)."""
    return User.objects.filter(is_active=True)


def person_field(**kwargs) -> serializers.PrimaryKeyRelatedField:
    """A person by id: an active user of this agency, or a 400 that says so."""
    return serializers.PrimaryKeyRelatedField(
        queryset=active_users(),
        error_messages={"does_not_exist": MSG_NO_PERSON},
        **kwargs,
    )


# --------------------------------------------------------------------------- output shapes


class EvidenceOut(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Tải về (đăng nhập trong cơ quan).")

    class Meta:
        model = ActionEvidence
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "url"]

    def get_url(self, record) -> str:
        return record.get_absolute_url()


class ActionOut(serializers.ModelSerializer):
    owner = PersonOut(read_only=True)
    verified_by = PersonOut(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    evidence = EvidenceOut(many=True, read_only=True)
    covers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "kind",
            "nonconformity",
            "source_type",
            "source_id",
            "title",
            "owner",
            "due_on",
            "status",
            "overdue",
            "done_at",
            "done_note",
            "verified_by",
            "verified_at",
            "verification_note",
            "escalation_level",
            "covers",
            "evidence",
            "created_at",
        ]

    def get_overdue(self, action) -> bool:
        return action.is_overdue()


class NonconformityOut(serializers.ModelSerializer):
    owner = PersonOut(read_only=True, allow_null=True)
    verified_by = PersonOut(read_only=True, allow_null=True)
    closed_by = PersonOut(read_only=True, allow_null=True)

    class Meta:
        model = Nonconformity
        fields = [
            "id",
            "source",
            "source_type",
            "source_id",
            "source_ref",
            "title",
            "description",
            "severity",
            "unit",
            "unit_name",
            "detected_at",
            "status",
            "owner",
            "correction",
            "corrected_at",
            "root_cause_method",
            "root_cause_detail",
            "root_cause",
            "analysed_at",
            "verify_after_days",
            "verification_due_on",
            "verified_by",
            "verified_at",
            "verification_note",
            "closed_at",
            "closed_by",
            "close_reason",
            "reopen_count",
            "created_at",
        ]


class NonconformityDetailOut(NonconformityOut):
    actions = serializers.SerializerMethodField()

    class Meta(NonconformityOut.Meta):
        fields = [*NonconformityOut.Meta.fields, "actions"]

    @extend_schema_field(ActionOut(many=True))
    def get_actions(self, nc):
        return ActionOut(_with_evidence(nc.all_actions()), many=True).data


def _with_evidence(actions):
    return (
        actions.select_related("owner", "verified_by")
        .prefetch_related("evidence", "covers")
        .order_by("due_on", "id")
    )


def _nc_detail(nc: Nonconformity) -> dict:
    nc = Nonconformity.objects.select_related("owner", "verified_by", "closed_by").get(pk=nc.pk)
    return NonconformityDetailOut(nc).data


# --------------------------------------------------------------------------- nonconformities


class NonconformityIn(serializers.Serializer):
    source = serializers.ChoiceField(choices=NcSource.choices)
    title = serializers.CharField(max_length=500, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    severity = serializers.ChoiceField(choices=NcSeverity.choices, default=NcSeverity.MINOR)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    owner = person_field(required=False, allow_null=True)
    source_ref = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    verify_after_days = serializers.IntegerField(
        required=False, min_value=0, max_value=365, allow_null=True, default=None
    )


class NonconformityListApi(generics.ListAPIView):
    """The register of nonconformities, newest first."""

    serializer_class = NonconformityOut
    permission_classes = [Capability.of("improvement.view")]
    filterset_class = NonconformityFilter

    def get_queryset(self):
        return Nonconformity.objects.select_related("owner", "verified_by", "closed_by")

    @extend_schema(request=NonconformityIn, responses={201: NonconformityDetailOut})
    def post(self, request):
        data = NonconformityIn(data=request.data)
        data.is_valid(raise_exception=True)
        nc = services.nc_create(actor=request.user, **data.validated_data)
        return Response(_nc_detail(nc), status=status.HTTP_201_CREATED)


class NonconformityDetailApi(APIView):
    permission_classes = [Capability.of("improvement.view")]

    @extend_schema(responses=NonconformityDetailOut)
    def get(self, request, pk):
        return Response(_nc_detail(get_object_or_404(Nonconformity, pk=pk)))


class CorrectionIn(serializers.Serializer):
    correction = serializers.CharField(allow_blank=True)


class AnalysisIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=RootCauseMethod.choices)
    detail = serializers.DictField(
        help_text='five_whys: {"whys": ["...", ...]} (1 đến 5 câu); '
        'fishbone: {"groups": {"con_nguoi": ["..."], "phuong_phap": [...], ...}}'
    )
    root_cause = serializers.CharField(allow_blank=True)


class VerificationNoteIn(serializers.Serializer):
    verification_note = serializers.CharField(allow_blank=True)


class StepReasonIn(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class AssignIn(serializers.Serializer):
    owner = person_field()
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )


class NonconformityStepApi(StepApi):
    """Base for `POST /nonconformities/{id}/<step>/`: look up, check shape, call the service."""

    permission_classes = [Capability.of("improvement.view")]
    input_class = CorrectionIn
    output_class = NonconformityDetailOut

    def get_object(self, pk):
        return get_object_or_404(Nonconformity, pk=pk)

    def represent(self, nc):
        return _nc_detail(nc)


class NonconformityCorrectApi(NonconformityStepApi):
    input_class = CorrectionIn

    def step(self, actor, nc, data):
        return services.nc_correct(actor=actor, nc=nc, correction=data["correction"])


class NonconformityAnalyseApi(NonconformityStepApi):
    input_class = AnalysisIn

    def step(self, actor, nc, data):
        return services.nc_analyse(
            actor=actor,
            nc=nc,
            method=data["method"],
            detail=data["detail"],
            root_cause=data["root_cause"],
        )


class NonconformityCloseApi(NonconformityStepApi):
    input_class = VerificationNoteIn

    def step(self, actor, nc, data):
        return services.nc_close(actor=actor, nc=nc, verification_note=data["verification_note"])


class NonconformityReopenApi(NonconformityStepApi):
    input_class = StepReasonIn

    def step(self, actor, nc, data):
        return services.nc_reopen(actor=actor, nc=nc, reason=data["reason"])


class NonconformityAssignApi(NonconformityStepApi):
    input_class = AssignIn

    def step(self, actor, nc, data):
        return services.nc_assign(actor=actor, nc=nc, owner=data["owner"], unit=data.get("unit"))


# --------------------------------------------------------------------------- actions


class ActionIn(serializers.Serializer):
    title = serializers.CharField(max_length=500, allow_blank=True)
    owner = person_field()
    due_on = serializers.DateField()


class SourceActionsApi(APIView):
    """`GET/POST /<things>/{id}/actions/`: the actions attached to one object.

    Subclasses name the model, the view capability and the action kind; the service
    (`action_add`) checks who may assign work in that loop.
    """

    permission_classes = [Capability.of("improvement.view")]
    model = Nonconformity
    kind = ActionKind.CORRECTIVE
    source_type = "nonconformity"

    def source(self, pk):
        return get_object_or_404(self.model, pk=pk)

    def actions_of(self, obj):
        return Action.objects.filter(source_type=self.source_type, source_id=str(obj.pk))

    @extend_schema(responses=ActionOut(many=True))
    def get(self, request, pk):
        actions = _with_evidence(self.actions_of(self.source(pk)))
        return Response(ActionOut(actions, many=True).data)

    @extend_schema(request=ActionIn, responses={201: ActionOut})
    def post(self, request, pk):
        obj = self.source(pk)
        data = ActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        action = self.add(request.user, obj, data.validated_data)
        return Response(ActionOut(action).data, status=status.HTTP_201_CREATED)

    def add(self, actor, obj, data) -> Action:
        return services.action_add(
            actor=actor,
            kind=self.kind,
            source_type=self.source_type,
            source_id=str(obj.pk),
            **data,
        )


class NonconformityActionsApi(SourceActionsApi):
    """Corrective actions of a nonconformity (after its root cause is analysed)."""

    def actions_of(self, nc):
        return nc.all_actions()

    def add(self, actor, nc, data) -> Action:
        return services.action_add(actor=actor, kind=ActionKind.CORRECTIVE, nc=nc, **data)


class ActionListApi(generics.ListAPIView):
    """Every action of every loop; `mine=1`: mine; `overdue=1`: open and past due."""

    serializer_class = ActionOut
    permission_classes = [Capability.of("improvement.view")]
    filterset_class = ActionFilter

    def get_queryset(self):
        return _with_evidence(Action.objects.all())


def _action(pk) -> Action:
    return get_object_or_404(_with_evidence(Action.objects.all()), pk=pk)


class ActionDetailApi(APIView):
    permission_classes = [Capability.of("improvement.view")]

    @extend_schema(responses=ActionOut)
    def get(self, request, pk):
        return Response(ActionOut(_action(pk)).data)


class ActionNoteIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ActionCompleteIn(ActionNoteIn):
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=services.MAX_EVIDENCE_FILES,
        help_text="Tệp minh chứng (multipart/form-data, PDF, DOCX, XLSX, PNG, JPG).",
    )


class VerifyIn(serializers.Serializer):
    effective = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ActionStepApi(StepApi):
    """Base for `POST /actions/{id}/<step>/`."""

    permission_classes = [Capability.of("improvement.view")]
    input_class = ActionNoteIn
    output_class = ActionOut

    def get_object(self, pk):
        return _action(pk)

    def represent(self, action):
        return ActionOut(_action(action.pk)).data


class ActionCompleteApi(ActionStepApi):
    """Report the action done; evidence files may come with it (multipart/form-data)."""

    input_class = ActionCompleteIn
    request_schema = {"application/json": ActionNoteIn, "multipart/form-data": ActionCompleteIn}

    def step(self, actor, action, data):
        return services.action_complete(
            actor=actor, action=action, note=data["note"], files=data["files"]
        )


class ActionVerifyApi(ActionStepApi):
    input_class = VerifyIn

    def step(self, actor, action, data):
        return services.action_verify(
            actor=actor, action=action, effective=data["effective"], note=data["note"]
        )


class ActionCancelApi(ActionStepApi):
    input_class = StepReasonIn

    def step(self, actor, action, data):
        return services.action_cancel(actor=actor, action=action, reason=data["reason"])


# --------------------------------------------------------------------------- triage in bulk


MSG_BAD_ID = gettext_lazy("Mã bản ghi phải là số nguyên dương.")


class BulkIdsIn(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(
            min_value=1,
            max_value=2**63 - 1,
            error_messages={k: MSG_BAD_ID for k in ("invalid", "min_value", "max_value")},
        ),
        allow_empty=True,
        max_length=5000,
        error_messages={
            "not_a_list": gettext_lazy("“ids” phải là danh sách mã bản ghi."),
            "max_length": gettext_lazy("Mỗi lần xử lý tối đa {max_length} bản ghi."),
        },
        help_text="Mã (id) các sự không phù hợp của cơ quan; tất cả hoặc không bản ghi nào.",
    )


class BulkAssignIn(BulkIdsIn):
    owner = person_field()
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )


class BulkCloseIn(BulkIdsIn):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class BulkActionIn(BulkIdsIn):
    title = serializers.CharField(max_length=500, allow_blank=True)
    owner = person_field()
    due_on = serializers.DateField()
    root_cause = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Nguyên nhân gốc rễ chung, cho các bản ghi chưa phân tích.",
    )


class BulkOut(serializers.Serializer):
    count = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())
    action = ActionOut(required=False, allow_null=True)


class NonconformityBulkApi(APIView):
    """Base of `POST /nonconformities/bulk/<step>/`: only who manages nonconformities; one
    transaction; a record that cannot take the step refuses it all (400, naming them)."""

    permission_classes = [Capability.of("improvement.manage")]
    input_class = BulkIdsIn

    def post(self, request):
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ids = sorted(set(values.pop("ids")))
        action = self.step(request.user, ids, values)
        body = {"count": len(ids), "ids": ids, "action": None}
        if action is not None:
            body["action"] = ActionOut(_action(action.pk)).data
        return Response(body)


class NonconformityBulkAssignApi(NonconformityBulkApi):
    input_class = BulkAssignIn

    @extend_schema(request=BulkAssignIn, responses=BulkOut)
    def post(self, request):
        return super().post(request)

    def step(self, actor, ids, data):
        services.nc_bulk_assign(actor=actor, ids=ids, owner=data["owner"], unit=data.get("unit"))


class NonconformityBulkCloseApi(NonconformityBulkApi):
    input_class = BulkCloseIn

    @extend_schema(request=BulkCloseIn, responses=BulkOut)
    def post(self, request):
        return super().post(request)

    def step(self, actor, ids, data):
        services.nc_bulk_close(actor=actor, ids=ids, reason=data["reason"])


class NonconformityBulkActionApi(NonconformityBulkApi):
    input_class = BulkActionIn

    @extend_schema(request=BulkActionIn, responses={200: BulkOut})
    def post(self, request):
        return super().post(request)

    def step(self, actor, ids, data):
        return services.nc_bulk_action(actor=actor, ids=ids, **data)
