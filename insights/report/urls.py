"""The province's annual report to the ministry."""

from django.urls import path

from insights.report import views

app_name = "province_report"

urlpatterns = [
    path("", views.ReportView.as_view(), name="home"),
    path("docx/", views.ReportFileView.as_view(fmt="docx"), name="docx"),
    path("pdf/", views.ReportFileView.as_view(fmt="pdf"), name="pdf"),
    path("<int:year>/sign/", views.ReportSignView.as_view(), name="sign"),
    path("signed/<int:signed>.pdf", views.SignedReportFileView.as_view(), name="signed"),
]
