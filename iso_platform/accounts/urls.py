from django.urls import path

from iso_platform.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("set-password/done/", views.SetPasswordDoneView.as_view(), name="set_password_done"),
    path("set-password/<token>/", views.SetPasswordView.as_view(), name="set_password"),
]
