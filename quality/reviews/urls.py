from django.urls import path

from quality.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.ReviewListView.as_view(), name="list"),
    path("new/", views.ReviewCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ReviewDetailView.as_view(), name="detail"),
    path("<int:pk>/compile/", views.CompileView.as_view(), name="compile"),
    path("<int:pk>/hold/", views.HoldView.as_view(), name="hold"),
    path("<int:pk>/actions/", views.ReviewActionAddView.as_view(), name="action_add"),
    path("<int:pk>/minutes.pdf", views.MinutesFileView.as_view(fmt="pdf"), name="minutes_pdf"),
    path("<int:pk>/minutes.docx", views.MinutesFileView.as_view(fmt="docx"), name="minutes_docx"),
    path("annual/", views.AnnualListView.as_view(), name="annual"),
    path("annual/generate/", views.AnnualGenerateView.as_view(), name="annual_generate"),
    path("annual/<int:pk>/", views.AnnualDetailView.as_view(), name="annual_detail"),
    path("annual/<int:pk>/edit/", views.AnnualEditView.as_view(), name="annual_edit"),
    path("annual/<int:pk>/refresh/", views.AnnualRegenerateView.as_view(), name="annual_refresh"),
    path("annual/<int:pk>/submit/", views.AnnualSubmitView.as_view(), name="annual_submit"),
    path("annual/<int:pk>/report.pdf", views.AnnualFileView.as_view(fmt="pdf"), name="annual_pdf"),
    path(
        "annual/<int:pk>/report.docx", views.AnnualFileView.as_view(fmt="docx"), name="annual_docx"
    ),
]
