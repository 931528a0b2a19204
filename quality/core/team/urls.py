from django.urls import path

from quality.core.team import views

app_name = "team"

urlpatterns = [
    path("", views.TeamListView.as_view(), name="list"),
    path("invite/", views.InviteView.as_view(), name="invite"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/mau.csv", views.ImportTemplateView.as_view(), name="import_template"),
    path("<int:pk>/", views.PersonView.as_view(), name="person"),
    path("<int:pk>/resend/", views.ResendView.as_view(), name="resend"),
    path("<int:pk>/revoke/", views.RevokeView.as_view(), name="revoke"),
    path("<int:pk>/deactivate/", views.DeactivateView.as_view(), name="deactivate"),
    path("<int:pk>/activate/", views.ActivateView.as_view(), name="activate"),
]
