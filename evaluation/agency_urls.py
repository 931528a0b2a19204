from django.urls import path

from evaluation import agency_views

app_name = "agency_evaluation"

urlpatterns = [path("", agency_views.AgencyEvaluationView.as_view(), name="home")]
