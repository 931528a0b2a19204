from django.urls import path

from quality.feedback import apis

urlpatterns = [
    path("survey-results/", apis.SurveyResultsApi.as_view(), name="survey-results"),
]
