from django.urls import path

from quality.competence import apis

urlpatterns = [
    path(
        "competence/sessions/",
        apis.SessionListApi.as_view(),
        name="competence-session-list",
    ),
    path(
        "competence/sessions/<int:pk>/",
        apis.SessionDetailApi.as_view(),
        name="competence-session-detail",
    ),
    path(
        "competence/sessions/<int:pk>/attendance/",
        apis.SessionAttendanceApi.as_view(),
        name="competence-session-attendance",
    ),
    path(
        "competence/sessions/<int:pk>/evaluation/",
        apis.SessionEvaluationApi.as_view(),
        name="competence-session-evaluation",
    ),
    path(
        "competence/qualifications/",
        apis.QualificationListApi.as_view(),
        name="competence-qualification-list",
    ),
    path("competence/gaps/", apis.GapListApi.as_view(), name="competence-gaps"),
    path(
        "competence/campaigns/<int:pk>/",
        apis.CampaignDetailApi.as_view(),
        name="competence-campaign-detail",
    ),
    path(
        "competence/campaigns/<int:pk>/answers/",
        apis.CampaignAnswerApi.as_view(),
        name="competence-campaign-answer",
    ),
]
