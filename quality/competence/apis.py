"""REST API of competence, training and awareness (`/api/v1/competence/`)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from quality.documents.apis.shapes import Capability, PersonOut
from quality.documents.models import Document

from . import selectors, services
from .models import (
    Attendance,
    AwarenessMethod,
    Campaign,
    Competence,
    Qualification,
    Result,
    SessionKind,
    TrainingSession,
)


class AttendanceOut(serializers.ModelSerializer):
    user = PersonOut(read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "user", "result", "note"]


class SessionOut(serializers.ModelSerializer):
    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "title",
            "kind",
            "held_on",
            "trainer",
            "hours",
            "competence",
            "material",
            "evaluated_on",
            "overall",
            "created_at",
        ]


class SessionDetailOut(SessionOut):
    attendances = AttendanceOut(many=True, read_only=True)

    class Meta(SessionOut.Meta):
        fields = [*SessionOut.Meta.fields, "attendances"]


def _session(pk) -> TrainingSession:
    return get_object_or_404(TrainingSession, pk=pk)


def _detail(pk) -> dict:
    session = TrainingSession.objects.prefetch_related("attendances__user").get(pk=pk)
    return SessionDetailOut(session).data


class SessionIn(serializers.Serializer):
    title = serializers.CharField(max_length=300, allow_blank=True)
    kind = serializers.ChoiceField(choices=SessionKind.choices, default=SessionKind.INTERNAL)
    held_on = serializers.DateField()
    trainer = serializers.CharField(max_length=300, allow_blank=True)
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    competence = serializers.PrimaryKeyRelatedField(
        queryset=Competence.objects.all(), required=False, allow_null=True
    )
    material = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(), required=False, allow_null=True
    )
    attendees = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )


class SessionListApi(generics.ListAPIView):
    """Training sessions, the latest first."""

    serializer_class = SessionOut
    permission_classes = [Capability.of("competence.view")]

    def get_queryset(self):
        return TrainingSession.objects.order_by("-held_on", "-id")

    @extend_schema(request=SessionIn, responses={201: SessionDetailOut})
    def post(self, request):
        data = SessionIn(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.session_create(actor=request.user, **data.validated_data)
        return Response(_detail(session.pk), status=status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    permission_classes = [Capability.of("competence.view")]

    @extend_schema(responses=SessionDetailOut)
    def get(self, request, pk):
        return Response(_detail(_session(pk).pk))


class AttendanceIn(serializers.Serializer):
    attendees = serializers.ListField(child=serializers.IntegerField(), min_length=1)


class SessionAttendanceApi(APIView):
    """Add people (ids of this agency's active users) to the attendance list."""

    permission_classes = [Capability.of("competence.view")]

    @extend_schema(request=AttendanceIn, responses={201: SessionDetailOut})
    def post(self, request, pk):
        session = _session(pk)
        data = AttendanceIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.attendance_add(actor=request.user, session=session, **data.validated_data)
        return Response(_detail(session.pk), status=status.HTTP_201_CREATED)


class ResultIn(serializers.Serializer):
    attendance = serializers.IntegerField()
    result = serializers.ChoiceField(choices=Result.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class EvaluationIn(serializers.Serializer):
    evaluated_on = serializers.DateField()
    overall = serializers.CharField(required=False, allow_blank=True, default="")
    results = ResultIn(many=True, required=False, default=list)


class SessionEvaluationApi(APIView):
    """The evaluation of effectiveness, after the session."""

    permission_classes = [Capability.of("competence.view")]

    @extend_schema(request=EvaluationIn, responses=SessionDetailOut)
    def post(self, request, pk):
        session = _session(pk)
        data = EvaluationIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.session_evaluate(
            actor=request.user,
            session=session,
            evaluated_on=values["evaluated_on"],
            overall=values["overall"],
            results={r["attendance"]: (r["result"], r["note"]) for r in values["results"]},
        )
        return Response(_detail(session.pk))


class QualificationOut(serializers.ModelSerializer):
    user = PersonOut(read_only=True)

    class Meta:
        model = Qualification
        fields = [
            "id",
            "user",
            "title",
            "competence",
            "issuer",
            "number",
            "issued_on",
            "expires_on",
        ]


class QualificationListApi(generics.ListAPIView):
    """Every qualification, those expiring first (the managers': personal data)."""

    serializer_class = QualificationOut
    permission_classes = [Capability.of("competence.manage")]

    def get_queryset(self):
        return Qualification.objects.select_related("user").order_by("expires_on", "id")


class CompetenceOut(serializers.ModelSerializer):
    class Meta:
        model = Competence
        fields = ["id", "title", "evidence", "role", "unit"]


class GapOut(serializers.Serializer):
    person = PersonOut()
    missing = CompetenceOut(many=True)


class GapListApi(APIView):
    """Members of staff lacking a required competence, with what they lack."""

    permission_classes = [Capability.of("competence.manage")]

    @extend_schema(responses=GapOut(many=True))
    def get(self, request):
        gaps = selectors.gaps()
        rows = [{"person": g.person, "missing": g.missing} for g in gaps]
        return Response(GapOut(rows, many=True).data)


class ChoiceOut(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class QuestionOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    text = serializers.CharField()
    choices = ChoiceOut(many=True)


class CampaignOut(serializers.ModelSerializer):
    questions = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "title", "topic", "method", "document", "pass_mark", "is_open"]
        fields += ["questions"]

    @extend_schema_field(QuestionOut(many=True))
    def get_questions(self, campaign) -> list[dict]:
        # The right answers are never sent: the quiz is answered from this very payload.
        if campaign.method != AwarenessMethod.QUIZ:
            return []
        return QuestionOut(
            [
                {
                    "id": q.pk,
                    "position": q.position,
                    "text": q.text,
                    "choices": [{"id": c.pk, "text": c.text} for c in q.choices.all()],
                }
                for q in campaign.questions.prefetch_related("choices")
            ],
            many=True,
        ).data


class CampaignDetailApi(APIView):
    permission_classes = [Capability.of("competence.view")]

    @extend_schema(responses=CampaignOut)
    def get(self, request, pk):
        return Response(CampaignOut(get_object_or_404(Campaign, pk=pk)).data)


class AnswerIn(serializers.Serializer):
    question = serializers.IntegerField()
    choice = serializers.IntegerField()


class AnswersIn(serializers.Serializer):
    answers = AnswerIn(many=True)


class AttemptOut(serializers.Serializer):
    score = serializers.IntegerField(help_text="Tỷ lệ câu trả lời đúng (%).")
    passed = serializers.BooleanField()
    answered_at = serializers.DateTimeField()


class CampaignAnswerApi(APIView):
    """The signed-in person's answers to an awareness quiz."""

    permission_classes = [Capability.of("competence.answer")]

    @extend_schema(request=AnswersIn, responses={201: AttemptOut})
    def post(self, request, pk):
        campaign = get_object_or_404(Campaign, pk=pk)
        data = AnswersIn(data=request.data)
        data.is_valid(raise_exception=True)
        answers = {a["question"]: a["choice"] for a in data.validated_data["answers"]}
        attempt = services.quiz_answer(actor=request.user, campaign=campaign, answers=answers)
        return Response(AttemptOut(attempt).data, status=status.HTTP_201_CREATED)
