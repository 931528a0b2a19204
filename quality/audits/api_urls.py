from django.urls import path

from quality.audits import apis

urlpatterns = [
    path("clauses/", apis.ClauseListApi.as_view(), name="audit-clauses"),
    path("audit-programmes/", apis.ProgrammeListApi.as_view(), name="audit-programme-list"),
    path("audit-plans/", apis.PlanListApi.as_view(), name="audit-plan-list"),
    path("audit-plans/<int:pk>/", apis.PlanDetailApi.as_view(), name="audit-plan-detail"),
    path(
        "audit-plans/<int:pk>/assignments/",
        apis.PlanAssignmentsApi.as_view(),
        name="audit-plan-assignments",
    ),
    path(
        "audit-plans/<int:pk>/checklist/",
        apis.PlanChecklistApi.as_view(),
        name="audit-plan-checklist",
    ),
    path(
        "audit-plans/<int:pk>/findings/",
        apis.PlanFindingsApi.as_view(),
        name="audit-plan-findings",
    ),
    path("audit-plans/<int:pk>/report/", apis.PlanReportApi.as_view(), name="audit-plan-report"),
    path(
        "checklist-items/<int:pk>/assess/",
        apis.ChecklistItemAssessApi.as_view(),
        name="audit-checklist-assess",
    ),
]
