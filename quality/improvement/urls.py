from django.urls import path

from quality.improvement import views

app_name = "improvement"

urlpatterns = [
    path("", views.NcListView.as_view(), name="list"),
    path("new/", views.NcCreateView.as_view(), name="create"),
    path("bulk/", views.NcBulkView.as_view(), name="bulk"),
    path("<int:pk>/", views.NcDetailView.as_view(), name="detail"),
    path("<int:pk>/form.pdf", views.NcFormFileView.as_view(fmt="pdf"), name="form_pdf"),
    path("<int:pk>/form.docx", views.NcFormFileView.as_view(fmt="docx"), name="form_docx"),
    path("<int:pk>/assign/", views.NcAssignView.as_view(), name="assign"),
    path("<int:pk>/correct/", views.NcCorrectView.as_view(), name="correct"),
    path("<int:pk>/analyse/", views.NcAnalyseView.as_view(), name="analyse"),
    path("<int:pk>/actions/", views.NcActionAddView.as_view(), name="action_add"),
    path("<int:pk>/close/", views.NcCloseView.as_view(), name="close"),
    path("<int:pk>/reopen/", views.NcReopenView.as_view(), name="reopen"),
    path("actions/", views.ActionListView.as_view(), name="actions"),
    path("actions/<int:pk>/complete/", views.ActionCompleteView.as_view(), name="action_complete"),
    path("actions/<int:pk>/verify/", views.ActionVerifyView.as_view(), name="action_verify"),
    path("actions/<int:pk>/cancel/", views.ActionCancelView.as_view(), name="action_cancel"),
    path(
        "actions/<int:pk>/evidence/<int:file>/",
        views.EvidenceDownloadView.as_view(),
        name="evidence",
    ),
]
