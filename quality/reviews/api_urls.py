from django.urls import path

from quality.reviews import apis

urlpatterns = [
    path("management-reviews/", apis.ReviewListApi.as_view(), name="review-list"),
    path("management-reviews/<int:pk>/", apis.ReviewDetailApi.as_view(), name="review-detail"),
    path(
        "management-reviews/<int:pk>/compile/",
        apis.ReviewCompileApi.as_view(),
        name="review-compile",
    ),
    path("management-reviews/<int:pk>/hold/", apis.ReviewHoldApi.as_view(), name="review-hold"),
    path(
        "management-reviews/<int:pk>/actions/",
        apis.ReviewActionsApi.as_view(),
        name="review-actions",
    ),
    path("annual-reports/", apis.AnnualReportListApi.as_view(), name="annual-report-list"),
    path(
        "annual-reports/<int:pk>/",
        apis.AnnualReportDetailApi.as_view(),
        name="annual-report-detail",
    ),
    path(
        "annual-reports/<int:pk>/submit/",
        apis.AnnualReportSubmitApi.as_view(),
        name="annual-report-submit",
    ),
]
