from django.urls import path

from insights.data_api import views

app_name = "province_data_keys"

urlpatterns = [
    path("", views.KeysView.as_view(), name="list"),
    path("<int:pk>/revoke/", views.RevokeView.as_view(), name="revoke"),
]
