from django.urls import path

from quality.objectives import apis

urlpatterns = [
    path("objectives/", apis.ObjectiveListApi.as_view(), name="objective-list"),
    path("objectives/<int:pk>/", apis.ObjectiveDetailApi.as_view(), name="objective-detail"),
    path(
        "objectives/<int:pk>/measurements/",
        apis.ObjectiveMeasurementsApi.as_view(),
        name="objective-measurements",
    ),
    path(
        "objectives/<int:pk>/compute/",
        apis.ObjectiveComputeApi.as_view(),
        name="objective-compute",
    ),
    path(
        "objectives/<int:pk>/actions/",
        apis.ObjectiveActionsApi.as_view(),
        name="objective-actions",
    ),
]
