from django.urls import path

from quality.feedback import views

app_name = "survey"

urlpatterns = [path("", views.SurveyView.as_view(), name="form")]
