from django.urls import path

from integrations.catalogue import views

app_name = "console_catalogue"

urlpatterns = [path("", views.ConsoleConnectionView.as_view(), name="connection")]
