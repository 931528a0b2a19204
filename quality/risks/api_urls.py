from django.urls import path

from quality.risks import apis

urlpatterns = [
    path("context-issues/", apis.ContextIssueListApi.as_view(), name="context-issue-list"),
    path(
        "context-issues/<int:pk>/",
        apis.ContextIssueDetailApi.as_view(),
        name="context-issue-detail",
    ),
    path("risks/", apis.RiskListApi.as_view(), name="risk-list"),
    path("risks/heat-map/", apis.RiskHeatMapApi.as_view(), name="risk-heat-map"),
    path("risks/<int:pk>/", apis.RiskDetailApi.as_view(), name="risk-detail"),
    path("risks/<int:pk>/reevaluate/", apis.RiskReevaluateApi.as_view(), name="risk-reevaluate"),
    path("risks/<int:pk>/actions/", apis.RiskActionsApi.as_view(), name="risk-actions"),
]
