from django.urls import path

from quality.improvement import apis

urlpatterns = [
    path("nonconformities/", apis.NonconformityListApi.as_view(), name="nc-list"),
    path("nonconformities/<int:pk>/", apis.NonconformityDetailApi.as_view(), name="nc-detail"),
    path(
        "nonconformities/bulk/assign/",
        apis.NonconformityBulkAssignApi.as_view(),
        name="nc-bulk-assign",
    ),
    path(
        "nonconformities/bulk/close/",
        apis.NonconformityBulkCloseApi.as_view(),
        name="nc-bulk-close",
    ),
    path(
        "nonconformities/bulk/actions/",
        apis.NonconformityBulkActionApi.as_view(),
        name="nc-bulk-actions",
    ),
    path(
        "nonconformities/<int:pk>/correct/",
        apis.NonconformityCorrectApi.as_view(),
        name="nc-correct",
    ),
    path(
        "nonconformities/<int:pk>/analyse/",
        apis.NonconformityAnalyseApi.as_view(),
        name="nc-analyse",
    ),
    path(
        "nonconformities/<int:pk>/assign/", apis.NonconformityAssignApi.as_view(), name="nc-assign"
    ),
    path("nonconformities/<int:pk>/close/", apis.NonconformityCloseApi.as_view(), name="nc-close"),
    path(
        "nonconformities/<int:pk>/reopen/",
        apis.NonconformityReopenApi.as_view(),
        name="nc-reopen",
    ),
    path(
        "nonconformities/<int:pk>/actions/",
        apis.NonconformityActionsApi.as_view(),
        name="nc-actions",
    ),
    path("actions/", apis.ActionListApi.as_view(), name="action-list"),
    path("actions/<int:pk>/", apis.ActionDetailApi.as_view(), name="action-detail"),
    path("actions/<int:pk>/complete/", apis.ActionCompleteApi.as_view(), name="action-complete"),
    path("actions/<int:pk>/verify/", apis.ActionVerifyApi.as_view(), name="action-verify"),
    path("actions/<int:pk>/cancel/", apis.ActionCancelApi.as_view(), name="action-cancel"),
]
