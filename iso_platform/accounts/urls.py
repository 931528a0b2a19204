from django.urls import path

from iso_platform.accounts import security_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", security_views.TwoFactorCodeView.as_view(), name="two_factor_code"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("security/", security_views.SecurityView.as_view(), name="security"),
    path(
        "security/two-factor/",
        security_views.TwoFactorSetupView.as_view(),
        name="two_factor_setup",
    ),
    path(
        "security/two-factor/off/", security_views.TwoFactorOffView.as_view(), name="two_factor_off"
    ),
    path("security/password/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path("set-password/done/", views.SetPasswordDoneView.as_view(), name="set_password_done"),
    path("set-password/<token>/", views.SetPasswordView.as_view(), name="set_password"),
]
