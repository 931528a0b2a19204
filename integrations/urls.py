from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.KeysView.as_view(), name="keys"),
    path("keys/<int:pk>/<str:action>/", views.KeyActionView.as_view(), name="key_action"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>/", views.InboxEventView.as_view(), name="inbox_event"),
    path("connectors/", views.ConnectorView.as_view(), name="connector_add"),
    path("connectors/<int:pk>/", views.ConnectorView.as_view(), name="connector"),
    path("connectors/<int:pk>/run/", views.ConnectorRunView.as_view(), name="connector_run"),
]
