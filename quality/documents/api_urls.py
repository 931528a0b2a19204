from django.urls import path

from quality.documents import apis

urlpatterns = [
    path("documents/", apis.DocumentListApi.as_view(), name="document-list"),
    path("documents/<int:pk>/", apis.DocumentDetailApi.as_view(), name="document-detail"),
    path(
        "documents/<int:pk>/revisions/",
        apis.DocumentRevisionsApi.as_view(),
        name="document-revisions",
    ),
    path("documents/<int:pk>/audit/", apis.DocumentAuditApi.as_view(), name="document-audit"),
    path("documents/<int:pk>/withdraw/", apis.WithdrawApi.as_view(), name="document-withdraw"),
    path(
        "documents/<int:pk>/external-status/",
        apis.ExternalStatusApi.as_view(),
        name="document-external-status",
    ),
    path(
        "documents/<int:pk>/change-requests/",
        apis.DocumentChangeRequestsApi.as_view(),
        name="document-change-requests",
    ),
    path(
        "change-requests/<int:pk>/accept/",
        apis.ChangeRequestDecisionApi.as_view(accept=True),
        name="change-request-accept",
    ),
    path(
        "change-requests/<int:pk>/reject/",
        apis.ChangeRequestRejectApi.as_view(),
        name="change-request-reject",
    ),
    path("revisions/<int:pk>/", apis.RevisionDetailApi.as_view(), name="revision-detail"),
    path("revisions/<int:pk>/submit/", apis.SubmitApi.as_view(), name="revision-submit"),
    path("revisions/<int:pk>/review/", apis.ReviewApi.as_view(), name="revision-review"),
    path("revisions/<int:pk>/send-back/", apis.SendBackApi.as_view(), name="revision-send-back"),
    path("revisions/<int:pk>/approve/", apis.ApproveApi.as_view(), name="revision-approve"),
    path("revisions/<int:pk>/cancel/", apis.CancelApi.as_view(), name="revision-cancel"),
    path("revisions/<int:pk>/files/", apis.RevisionFilesApi.as_view(), name="revision-files"),
    path(
        "revisions/<int:pk>/distribute/", apis.DistributeApi.as_view(), name="revision-distribute"
    ),
    path(
        "revisions/<int:pk>/acknowledgements/",
        apis.RevisionAcksApi.as_view(),
        name="revision-acknowledgements",
    ),
    path("files/<int:pk>/download/", apis.FileDownloadApi.as_view(), name="file-download"),
    path("acknowledgements/", apis.MyAcksApi.as_view(), name="my-acknowledgements"),
    path(
        "acknowledgements/<int:pk>/confirm/",
        apis.AckConfirmApi.as_view(),
        name="acknowledgement-confirm",
    ),
    path("record-series/", apis.SeriesListApi.as_view(), name="record-series"),
    path("record-series/carry-over/", apis.CarryOverApi.as_view(), name="record-carry-over"),
    path("record-series/<int:pk>/entries/", apis.SeriesEntriesApi.as_view(), name="record-entries"),
    path("record-entries/due/", apis.DueEntriesApi.as_view(), name="record-entries-due"),
    path("record-entries/<int:pk>/dispose/", apis.DisposeApi.as_view(), name="record-dispose"),
]
