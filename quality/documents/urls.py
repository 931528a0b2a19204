from django.urls import path

from quality.documents.views import pages, records, settings, signatures, steps

app_name = "documents"

urlpatterns = [
    path("", pages.RegisterView.as_view(), name="register"),
    path("register.<str:fmt>", pages.RegisterExportView.as_view(), name="register_export"),
    path("new/", pages.CreateView.as_view(), name="create"),
    path("inbox/", pages.InboxView.as_view(), name="inbox"),
    path("settings/", settings.SettingsView.as_view(), name="settings"),
    path("signatures/", signatures.SignatureCheckView.as_view(), name="signature_check"),
    path(
        "settings/delegates/<int:user>/revoke/",
        settings.DelegateRevokeView.as_view(),
        name="delegate_revoke",
    ),
    path("records/", records.RecordRegisterView.as_view(), name="records"),
    path("records/carry-over/", records.CarryOverView.as_view(), name="records_carry_over"),
    path("records/<int:pk>/", records.RecordSeriesView.as_view(), name="record_series"),
    path("records/entries/<int:pk>/dispose/", records.DisposeView.as_view(), name="record_dispose"),
    path("<int:pk>/", pages.DetailView.as_view(), name="detail"),
    path("<int:pk>/cover.pdf", steps.CoverPdfView.as_view(), name="cover"),
    path("<int:pk>/change-request/", steps.ChangeRequestView.as_view(), name="change_request"),
    path(
        "<int:pk>/change-requests/<int:cr>/accept/",
        steps.ChangeRequestDecisionView.as_view(accept=True),
        name="change_request_accept",
    ),
    path(
        "<int:pk>/change-requests/<int:cr>/reject/",
        steps.ChangeRequestDecisionView.as_view(accept=False),
        name="change_request_reject",
    ),
    path("<int:pk>/withdraw/", steps.WithdrawView.as_view(), name="withdraw"),
    path(
        "<int:pk>/withdrawal-decision.pdf",
        steps.WithdrawalDecisionFileView.as_view(fmt="pdf"),
        name="withdrawal_decision_pdf",
    ),
    path(
        "<int:pk>/withdrawal-decision.docx",
        steps.WithdrawalDecisionFileView.as_view(fmt="docx"),
        name="withdrawal_decision_docx",
    ),
    path(
        "<int:pk>/revisions/<int:rev>/decision.pdf",
        steps.DecisionFileView.as_view(fmt="pdf"),
        name="decision_pdf",
    ),
    path(
        "<int:pk>/revisions/<int:rev>/decision.docx",
        steps.DecisionFileView.as_view(fmt="docx"),
        name="decision_docx",
    ),
    path("<int:pk>/external-status/", steps.ExternalStatusView.as_view(), name="external_status"),
    path("<int:pk>/discard/", steps.DiscardView.as_view(), name="discard"),
    path(
        "<int:pk>/acknowledgements/<int:ack>/", steps.AcknowledgeView.as_view(), name="acknowledge"
    ),
    path("<int:pk>/files/<int:file>/", steps.FileDownloadView.as_view(), name="file"),
    path(
        "<int:pk>/files/<int:file>/signatures/",
        signatures.FileSignaturesView.as_view(),
        name="file_signatures",
    ),
    path(
        "<int:pk>/files/<int:file>/verify/",
        signatures.FileVerifyView.as_view(),
        name="file_verify",
    ),
    path(
        "<int:pk>/revisions/<int:rev>/edit/", steps.RevisionEditView.as_view(), name="revision_edit"
    ),
    path("<int:pk>/revisions/<int:rev>/submit/", steps.SubmitView.as_view(), name="submit"),
    path("<int:pk>/revisions/<int:rev>/review/", steps.ReviewView.as_view(), name="review"),
    path("<int:pk>/revisions/<int:rev>/send-back/", steps.SendBackView.as_view(), name="send_back"),
    path("<int:pk>/revisions/<int:rev>/approve/", steps.ApproveView.as_view(), name="approve"),
    path("<int:pk>/revisions/<int:rev>/cancel/", steps.CancelRevisionView.as_view(), name="cancel"),
    path("<int:pk>/revisions/<int:rev>/files/", steps.UploadView.as_view(), name="upload"),
    path(
        "<int:pk>/revisions/<int:rev>/distribute/",
        steps.DistributeView.as_view(),
        name="distribute",
    ),
]
