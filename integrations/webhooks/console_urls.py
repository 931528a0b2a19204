from django.urls import path

from integrations.webhooks import views

app_name = "console_webhooks"

urlpatterns = [
    path("", views.ConsoleList.as_view(), name="list"),
    path("<int:pk>/", views.ConsoleDetail.as_view(), name="detail"),
    path("<int:pk>/<str:action>/", views.ConsoleAction.as_view(), name="action"),
    path(
        "<int:pk>/deliveries/<int:delivery>/<str:action>/",
        views.ConsoleAction.as_view(),
        name="delivery_action",
    ),
]
