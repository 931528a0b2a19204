"""Inspections of agencies by the quality sub-department."""

from django.urls import path

from insights.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan"),
    path("plans/<int:pk>/edit/", views.PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/add/", views.PlanAddView.as_view(), name="plan_add"),
    path("<int:pk>/", views.InspectionDetailView.as_view(), name="inspection"),
    path("<int:pk>/edit/", views.InspectionScheduleView.as_view(), name="inspection_edit"),
    path("<int:pk>/remove/", views.InspectionRemoveView.as_view(), name="inspection_remove"),
    path(
        "<int:pk>/conclusion.pdf",
        views.ConclusionFileView.as_view(fmt="pdf"),
        name="conclusion_pdf",
    ),
    path(
        "<int:pk>/conclusion.docx",
        views.ConclusionFileView.as_view(fmt="docx"),
        name="conclusion_docx",
    ),
    path(
        "<int:pk>/conclusion/sign/",
        views.ConclusionSignView.as_view(),
        name="conclusion_sign",
    ),
    path(
        "<int:pk>/conclusion/signed/<int:signed>.pdf",
        views.ConclusionSignedFileView.as_view(),
        name="conclusion_signed",
    ),
    path("<int:pk>/record/", views.InspectionRecordView.as_view(), name="inspection_record"),
    path("<int:pk>/findings/new/", views.FindingAddView.as_view(), name="finding_add"),
    path("findings/<int:pk>/edit/", views.FindingEditView.as_view(), name="finding_edit"),
]
