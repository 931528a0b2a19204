from django.urls import path

from quality.audits import views

app_name = "audits"

urlpatterns = [
    path("", views.AuditListView.as_view(), name="list"),
    path("programmes/new/", views.ProgrammeCreateView.as_view(), name="programme_create"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan"),
    path("plans/<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("plans/<int:pk>/checklist/", views.ChecklistBuildView.as_view(), name="checklist"),
    path("plans/<int:pk>/findings/", views.FindingView.as_view(), name="finding"),
    path("plans/<int:pk>/report/", views.ReportView.as_view(), name="report"),
    path("plans/<int:pk>/report.pdf", views.ReportFileView.as_view(fmt="pdf"), name="report_pdf"),
    path(
        "plans/<int:pk>/report.docx", views.ReportFileView.as_view(fmt="docx"), name="report_docx"
    ),
    path("items/<int:pk>/assess/", views.AssessView.as_view(), name="assess"),
]
