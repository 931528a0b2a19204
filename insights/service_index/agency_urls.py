"""The agency's own service quality index, on its host: /service-index/."""

from django.urls import path

from insights.service_index import views

app_name = "service_index"

urlpatterns = [path("", views.AgencyServiceIndexView.as_view(), name="agency")]
