from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "iso_platform.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from iso_platform.accounts import schema  # noqa: F401 - registers the OpenAPI extension

        # Every sign-in (the form, the code step, an invitation link, tests' force_login)
        # starts the idle and absolute session clocks.
        user_logged_in.connect(_stamp_session, dispatch_uid="accounts.stamp_session")

        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from iso_platform.accounts import audit

        audit.connect()  # sign-ins and security events into the audit trails


def _stamp_session(sender, request, user, **kwargs):
    # Imported in ready(): models and receivers exist once the app registry is loaded.
    from iso_platform.accounts.middleware import session_stamp

    if request is not None and hasattr(request, "session"):
        session_stamp(request.session)
