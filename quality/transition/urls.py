from django.urls import path

from quality.transition import views

app_name = "transition"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("questions/<int:pk>/", views.QuestionView.as_view(), name="question"),
    path("questions/<int:pk>/answer/", views.AnswerView.as_view(), name="answer"),
    path("questions/<int:pk>/actions/", views.QuestionActionAddView.as_view(), name="action_add"),
    path(
        "questions/<int:pk>/evidence/<int:file>/",
        views.EvidenceDownloadView.as_view(),
        name="evidence",
    ),
]
