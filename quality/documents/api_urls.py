from django.urls import path

from quality.documents.apis import change_requests, documents, records, revisions, signatures

urlpatterns = [
    path("documents/", documents.DocumentListApi.as_view(), name="document-list"),
    path("documents/<int:pk>/", documents.DocumentDetailApi.as_view(), name="document-detail"),
    path(
        "documents/<int:pk>/revisions/",
        documents.DocumentRevisionsApi.as_view(),
        name="document-revisions",
    ),
    path("documents/<int:pk>/audit/", documents.DocumentAuditApi.as_view(), name="document-audit"),
    path("documents/<int:pk>/withdraw/", documents.WithdrawApi.as_view(), name="document-withdraw"),
    path(
        "documents/<int:pk>/external-status/",
        documents.ExternalStatusApi.as_view(),
        name="document-external-status",
    ),
    path(
        "documents/<int:pk>/change-requests/",
        change_requests.DocumentChangeRequestsApi.as_view(),
        name="document-change-requests",
    ),
    path(
        "change-requests/<int:pk>/accept/",
        change_requests.ChangeRequestDecisionApi.as_view(accept=True),
        name="change-request-accept",
    ),
    path(
        "change-requests/<int:pk>/reject/",
        change_requests.ChangeRequestRejectApi.as_view(),
        name="change-request-reject",
    ),
    path("revisions/<int:pk>/", revisions.RevisionDetailApi.as_view(), name="revision-detail"),
    path("revisions/<int:pk>/submit/", revisions.SubmitApi.as_view(), name="revision-submit"),
    path("revisions/<int:pk>/review/", revisions.ReviewApi.as_view(), name="revision-review"),
    path(
        "revisions/<int:pk>/send-back/", revisions.SendBackApi.as_view(), name="revision-send-back"
    ),
    path("revisions/<int:pk>/approve/", revisions.ApproveApi.as_view(), name="revision-approve"),
    path("revisions/<int:pk>/cancel/", revisions.CancelApi.as_view(), name="revision-cancel"),
    path("revisions/<int:pk>/files/", revisions.RevisionFilesApi.as_view(), name="revision-files"),
    path(
        "revisions/<int:pk>/distribute/",
        revisions.DistributeApi.as_view(),
        name="revision-distribute",
    ),
    path(
        "revisions/<int:pk>/acknowledgements/",
        revisions.RevisionAcksApi.as_view(),
        name="revision-acknowledgements",
    ),
    path("files/<int:pk>/download/", revisions.FileDownloadApi.as_view(), name="file-download"),
    path("acknowledgements/", revisions.MyAcksApi.as_view(), name="my-acknowledgements"),
    path(
        "acknowledgements/<int:pk>/confirm/",
        revisions.AckConfirmApi.as_view(),
        name="acknowledgement-confirm",
    ),
    path("signatures/verify/", signatures.SignatureVerifyApi.as_view(), name="signature-verify"),
    path("record-series/", records.SeriesListApi.as_view(), name="record-series"),
    path("record-series/carry-over/", records.CarryOverApi.as_view(), name="record-carry-over"),
    path(
        "record-series/<int:pk>/entries/", records.SeriesEntriesApi.as_view(), name="record-entries"
    ),
    path("record-entries/due/", records.DueEntriesApi.as_view(), name="record-entries-due"),
    path("record-entries/<int:pk>/dispose/", records.DisposeApi.as_view(), name="record-dispose"),
]
