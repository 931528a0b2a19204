"""REST API of internal audit (`/api/v1/`): programme, plans, team, checklist, findings."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from quality.audits import services
from quality.audits.filters import PlanFilter
from quality.audits.models import (
    Assignment,
    AuditPlan,
    AuditProgramme,
    ChecklistItem,
    Clause,
    Finding,
    Grade,
)
from quality.core.editions import agency_edition, catalogue
from quality.core.models import Unit
from quality.core.signatures.apis import (
    SigningIn,
    hide_secrets,
    secrets_split,
    signed_output,
    with_signed_copy,
)
from quality.documents.apis.shapes import Capability, PersonOut
from quality.improvement.apis import person_field

# --------------------------------------------------------------------------- output shapes


class ClauseOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField(help_text="The title in the edition asked for.")
    is_heading = serializers.BooleanField()


class ProgrammeOut(serializers.ModelSerializer):
    approved_by = PersonOut(read_only=True, allow_null=True)
    plans = serializers.IntegerField(source="plan_count", read_only=True, default=0)

    class Meta:
        model = AuditProgramme
        fields = ["id", "year", "objectives", "approved_by", "approved_at", "plans", "created_at"]


class UnitOut(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


class AssignmentOut(serializers.ModelSerializer):
    auditor = PersonOut(read_only=True)
    unit = UnitOut(read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "plan", "auditor", "unit"]


class PlanOut(serializers.ModelSerializer):
    year = serializers.IntegerField(source="programme.year", read_only=True)
    lead = PersonOut(read_only=True)

    class Meta:
        model = AuditPlan
        fields = [
            "id",
            "programme",
            "year",
            "title",
            "scope",
            "criteria",
            "edition",
            "start_on",
            "end_on",
            "lead",
            "status",
            "conclusion",
            "reported_at",
            "created_at",
        ]


class ChecklistCountsOut(serializers.Serializer):
    total = serializers.IntegerField()
    assessed = serializers.IntegerField()


class FindingCountsOut(serializers.Serializer):
    conformity = serializers.IntegerField()
    observation = serializers.IntegerField()
    minor = serializers.IntegerField()
    major = serializers.IntegerField()
    opportunity = serializers.IntegerField()


class PlanDetailOut(PlanOut):
    team = AssignmentOut(many=True, read_only=True)
    checklist_counts = ChecklistCountsOut(read_only=True)
    finding_counts = FindingCountsOut(read_only=True)

    class Meta(PlanOut.Meta):
        fields = [*PlanOut.Meta.fields, "team", "checklist_counts", "finding_counts"]


class ChecklistItemOut(serializers.ModelSerializer):
    auditor = serializers.IntegerField(source="assignment.auditor_id", read_only=True)
    unit = serializers.CharField(source="assignment.unit.name", read_only=True)
    clause = serializers.CharField(
        source="clause.code", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "plan",
            "assignment",
            "auditor",
            "unit",
            "clause",
            "procedure",
            "question",
            "grade",
            "evidence",
            "assessed_at",
        ]


class FindingOut(serializers.ModelSerializer):
    unit = serializers.CharField(source="assignment.unit.name", read_only=True)
    clause = serializers.CharField(
        source="clause.code", default=None, read_only=True, allow_null=True
    )
    created_by = PersonOut(read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "plan",
            "assignment",
            "unit",
            "clause",
            "grade",
            "description",
            "evidence",
            "nonconformity",
            "created_by",
            "created_at",
        ]


def _plan(pk) -> AuditPlan:
    return get_object_or_404(AuditPlan.objects.select_related("programme", "lead"), pk=pk)


def _plan_detail(plan: AuditPlan) -> dict:
    plan = _plan(plan.pk)
    data = PlanOut(plan).data
    data["team"] = AssignmentOut(
        plan.assignments.select_related("auditor", "unit").order_by("unit__name", "id"), many=True
    ).data
    data["checklist_counts"] = {
        "total": plan.checklist.count(),
        "assessed": plan.checklist.exclude(grade="").count(),
    }
    data["finding_counts"] = services.findings_summary(plan)
    return data


# --------------------------------------------------------------------------- clauses


class ClauseListApi(generics.ListAPIView):
    """The clauses of the edition of ISO 9001 the agency follows (or of `?edition=`), with
    that edition's titles, for checklists and findings."""

    serializer_class = ClauseOut
    permission_classes = [Capability.of("audits.view")]
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return Clause.objects.filter(code__in=self.edition.codes()).order_by("sort_key")

    @cached_property
    def edition(self):
        code = self.request.query_params.get("edition")
        if code is None:
            return agency_edition()
        if code not in catalogue():
            raise serializers.ValidationError(
                {"edition": _("Không có phiên bản tiêu chuẩn “%(code)s”.") % {"code": code[:30]}}
            )
        return catalogue()[code]

    @extend_schema(responses=ClauseOut(many=True))
    def list(self, request, *args, **kwargs):
        rows = []
        for clause in self.get_queryset():
            entry = self.edition.clause(clause.code)
            rows.append(
                {
                    "id": clause.pk,
                    "code": clause.code,
                    "title": entry.title,
                    "is_heading": entry.heading,
                }
            )
        return Response(ClauseOut(rows, many=True).data)


# --------------------------------------------------------------------------- programmes


class ProgrammeIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    objectives = serializers.CharField(required=False, allow_blank=True, default="")


class ProgrammeListApi(generics.ListAPIView):
    serializer_class = ProgrammeOut
    permission_classes = [Capability.of("audits.view")]
    filter_backends = []

    def get_queryset(self):
        return (
            AuditProgramme.objects.select_related("approved_by")
            .annotate(plan_count=Count("plans"))
            .order_by("-year")
        )

    @extend_schema(request=ProgrammeIn, responses={201: ProgrammeOut})
    def post(self, request):
        data = ProgrammeIn(data=request.data)
        data.is_valid(raise_exception=True)
        programme = services.programme_create(actor=request.user, **data.validated_data)
        return Response(ProgrammeOut(programme).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- plans


class PlanIn(serializers.Serializer):
    programme = serializers.PrimaryKeyRelatedField(queryset=AuditProgramme.objects.all())
    title = serializers.CharField(max_length=300)
    scope = serializers.CharField()
    criteria = serializers.CharField(required=False, allow_blank=True, default="")
    start_on = serializers.DateField()
    end_on = serializers.DateField()
    lead = person_field()


class PlanListApi(generics.ListAPIView):
    serializer_class = PlanOut
    permission_classes = [Capability.of("audits.view")]
    filterset_class = PlanFilter

    def get_queryset(self):
        return AuditPlan.objects.select_related("programme", "lead").order_by("-start_on", "-id")

    @extend_schema(request=PlanIn, responses={201: PlanDetailOut})
    def post(self, request):
        data = PlanIn(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_create(actor=request.user, **data.validated_data)
        return Response(_plan_detail(plan), status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    """A plan with its team, the state of its checklist and its findings by grade."""

    permission_classes = [Capability.of("audits.view")]

    @extend_schema(responses=PlanDetailOut)
    def get(self, request, pk):
        return Response(_plan_detail(_plan(pk)))


class AssignmentIn(serializers.Serializer):
    auditor = person_field()
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())


class PlanAssignmentsApi(APIView):
    """The audit team: who audits which unit (nobody audits their own unit)."""

    permission_classes = [Capability.of("audits.view")]

    @extend_schema(responses=AssignmentOut(many=True))
    def get(self, request, pk):
        plan = _plan(pk)
        team = plan.assignments.select_related("auditor", "unit").order_by("unit__name", "id")
        return Response(AssignmentOut(team, many=True).data)

    @extend_schema(request=AssignmentIn, responses={201: AssignmentOut})
    def post(self, request, pk):
        plan = _plan(pk)
        data = AssignmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.assignment_add(actor=request.user, plan=plan, **data.validated_data)
        return Response(AssignmentOut(assignment).data, status=status.HTTP_201_CREATED)


class ChecklistBuildIn(serializers.Serializer):
    clauses = serializers.ListField(
        child=serializers.CharField(max_length=8), help_text='Mã điều khoản, ví dụ ["7.5", "8.1"].'
    )
    include_procedures = serializers.BooleanField(required=False, default=True)


class ChecklistBuildOut(serializers.Serializer):
    created = serializers.IntegerField()


class PlanChecklistApi(APIView):
    permission_classes = [Capability.of("audits.view")]

    @extend_schema(responses=ChecklistItemOut(many=True))
    def get(self, request, pk):
        plan = _plan(pk)
        items = plan.checklist.select_related("assignment__unit", "clause").order_by(
            "assignment__unit__name", "assignment_id", "id"
        )
        return Response(ChecklistItemOut(items, many=True).data)

    @extend_schema(request=ChecklistBuildIn, responses={201: ChecklistBuildOut})
    def post(self, request, pk):
        """One question per chosen clause (and per procedure of the unit) for every auditor."""
        plan = _plan(pk)
        data = ChecklistBuildIn(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.checklist_build(
            actor=request.user,
            plan=plan,
            clause_codes=data.validated_data["clauses"],
            include_procedures=data.validated_data["include_procedures"],
        )
        return Response({"created": created}, status=status.HTTP_201_CREATED)


class FindingIn(serializers.Serializer):
    assignment = serializers.PrimaryKeyRelatedField(
        queryset=Assignment.objects.none(), help_text="Một phân công của chính kế hoạch này."
    )
    grade = serializers.ChoiceField(choices=Grade.choices)
    description = serializers.CharField(allow_blank=True)
    clause = serializers.SlugRelatedField(
        slug_field="code", queryset=Clause.objects.all(), required=False, allow_null=True
    )
    evidence = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, plan: AuditPlan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["assignment"].queryset = plan.assignments.all()


class PlanFindingsApi(APIView):
    """Findings; a minor or major nonconformity opens its nonconformity record at once."""

    permission_classes = [Capability.of("audits.view")]

    @extend_schema(responses=FindingOut(many=True))
    def get(self, request, pk):
        plan = _plan(pk)
        findings = plan.findings.select_related("assignment__unit", "clause", "created_by")
        return Response(FindingOut(findings.order_by("id"), many=True).data)

    @extend_schema(request=FindingIn, responses={201: FindingOut})
    def post(self, request, pk):
        plan = _plan(pk)
        data = FindingIn(data=request.data, plan=plan)
        data.is_valid(raise_exception=True)
        finding = services.finding_record(actor=request.user, **data.validated_data)
        return Response(FindingOut(finding).data, status=status.HTTP_201_CREATED)


class ConclusionIn(SigningIn):
    conclusion = serializers.CharField(allow_blank=True)


@hide_secrets
class PlanReportApi(APIView):
    """Close the audit with the team's conclusion (every checklist item assessed); the
    numbered report is signed as on the page."""

    permission_classes = [Capability.of("audits.view")]

    @extend_schema(request=ConclusionIn, responses=signed_output(PlanDetailOut))
    def post(self, request, pk):
        plan = _plan(pk)
        data = ConclusionIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields, secrets = secrets_split(data.validated_data)
        plan = services.plan_report(
            actor=request.user, plan=plan, conclusion=fields["conclusion"], signing=secrets
        )
        return Response(with_signed_copy(_plan_detail(plan), plan, request))


class AssessIn(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class ChecklistItemAssessApi(APIView):
    permission_classes = [Capability.of("audits.view")]

    @extend_schema(request=AssessIn, responses=ChecklistItemOut)
    def post(self, request, pk):
        item = get_object_or_404(ChecklistItem, pk=pk)
        data = AssessIn(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.checklist_assess(actor=request.user, item=item, **data.validated_data)
        item = ChecklistItem.objects.select_related("assignment__unit", "clause").get(pk=item.pk)
        return Response(ChecklistItemOut(item).data)
