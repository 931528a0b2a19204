from django.urls import path

from integrations.exchange import views

app_name = "console_exchange"

urlpatterns = [
    path("", views.ConsoleConnectionView.as_view(), name="connection"),
    path("check/", views.ConsoleConnectionCheckView.as_view(), name="check"),
]
