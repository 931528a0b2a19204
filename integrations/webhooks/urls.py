from django.urls import path

from integrations.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.AgencyList.as_view(), name="list"),
    path("<int:pk>/", views.AgencyDetail.as_view(), name="detail"),
    path("<int:pk>/<str:action>/", views.AgencyAction.as_view(), name="action"),
    path(
        "<int:pk>/deliveries/<int:delivery>/<str:action>/",
        views.AgencyAction.as_view(),
        name="delivery_action",
    ),
]
