from django.urls import path

from evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("waves/<int:pk>/", views.WaveView.as_view(), name="wave"),
    path("waves/<int:pk>/agencies/", views.WaveAgenciesView.as_view(), name="wave_agencies"),
    path("waves/<int:pk>/gate/", views.WaveGateView.as_view(), name="wave_gate"),
    path("waves/<int:pk>/advance/", views.WaveAdvanceView.as_view(), name="wave_advance"),
    path("waves/<int:pk>/report/", views.ReportView.as_view(), name="report"),
    path("waves/<int:pk>/report.pdf", views.ReportFileView.as_view(fmt="pdf"), name="report_pdf"),
    path("waves/<int:pk>/report/sign/", views.ReportSignView.as_view(), name="report_sign"),
    path(
        "waves/<int:pk>/report/signed/<int:signed>.pdf",
        views.SignedReportFileView.as_view(),
        name="report_signed",
    ),
    path(
        "waves/<int:pk>/report.docx", views.ReportFileView.as_view(fmt="docx"), name="report_docx"
    ),
]
