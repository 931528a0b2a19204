from django.urls import path

from quality.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.RegisterView.as_view(), name="register"),
    path("register.<str:fmt>", views.RegisterExportView.as_view(), name="register_export"),
    path("new/", views.CreateView.as_view(), name="create"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path(
        "settings/delegates/<int:user>/revoke/",
        views.DelegateRevokeView.as_view(),
        name="delegate_revoke",
    ),
    path("records/", views.RecordRegisterView.as_view(), name="records"),
    path("records/carry-over/", views.CarryOverView.as_view(), name="records_carry_over"),
    path("records/<int:pk>/", views.RecordSeriesView.as_view(), name="record_series"),
    path("records/entries/<int:pk>/dispose/", views.DisposeView.as_view(), name="record_dispose"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    path("<int:pk>/cover.pdf", views.CoverPdfView.as_view(), name="cover"),
    path("<int:pk>/change-request/", views.ChangeRequestView.as_view(), name="change_request"),
    path(
        "<int:pk>/change-requests/<int:cr>/accept/",
        views.ChangeRequestDecisionView.as_view(accept=True),
        name="change_request_accept",
    ),
    path(
        "<int:pk>/change-requests/<int:cr>/reject/",
        views.ChangeRequestDecisionView.as_view(accept=False),
        name="change_request_reject",
    ),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/external-status/", views.ExternalStatusView.as_view(), name="external_status"),
    path("<int:pk>/discard/", views.DiscardView.as_view(), name="discard"),
    path(
        "<int:pk>/acknowledgements/<int:ack>/", views.AcknowledgeView.as_view(), name="acknowledge"
    ),
    path("<int:pk>/files/<int:file>/", views.FileDownloadView.as_view(), name="file"),
    path(
        "<int:pk>/revisions/<int:rev>/edit/", views.RevisionEditView.as_view(), name="revision_edit"
    ),
    path("<int:pk>/revisions/<int:rev>/submit/", views.SubmitView.as_view(), name="submit"),
    path("<int:pk>/revisions/<int:rev>/review/", views.ReviewView.as_view(), name="review"),
    path("<int:pk>/revisions/<int:rev>/send-back/", views.SendBackView.as_view(), name="send_back"),
    path("<int:pk>/revisions/<int:rev>/approve/", views.ApproveView.as_view(), name="approve"),
    path("<int:pk>/revisions/<int:rev>/cancel/", views.CancelRevisionView.as_view(), name="cancel"),
    path("<int:pk>/revisions/<int:rev>/files/", views.UploadView.as_view(), name="upload"),
    path(
        "<int:pk>/revisions/<int:rev>/distribute/",
        views.DistributeView.as_view(),
        name="distribute",
    ),
]
