from django.urls import path

from quality.competence import views

app_name = "competence"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("requirements/", views.RequirementsView.as_view(), name="requirements"),
    path("requirements/<int:pk>/retire/", views.RetireView.as_view(), name="retire"),
    path("sessions/", views.SessionListView.as_view(), name="sessions"),
    path("sessions/new/", views.SessionCreateView.as_view(), name="session_create"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session"),
    path("sessions/<int:pk>/attend/", views.AttendView.as_view(), name="attend"),
    path("sessions/<int:pk>/evaluate/", views.EvaluateView.as_view(), name="evaluate"),
    path("sessions/register/", views.RegisterExportView.as_view(), name="register_export"),
    path("qualifications/", views.QualificationsView.as_view(), name="qualifications"),
    path("awareness/", views.CampaignListView.as_view(), name="campaigns"),
    path("awareness/new/", views.CampaignCreateView.as_view(), name="campaign_create"),
    path("awareness/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign"),
    path("awareness/<int:pk>/answer/", views.AnswerView.as_view(), name="answer"),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/<int:pk>/", views.PersonView.as_view(), name="person"),
    path("people/<int:pk>/record.pdf", views.PersonPdfView.as_view(), name="person_pdf"),
]
