from django.urls import path

from onboarding.checklist import views

app_name = "checklist"

urlpatterns = [
    path("", views.ChecklistView.as_view(), name="home"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("steering/", views.SteeringView.as_view(), name="steering"),
    path("pack/", views.PackConfirmView.as_view(), name="pack_confirm"),
]
