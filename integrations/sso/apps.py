from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "integrations.sso"
    label = "integrations_sso"
    verbose_name = "Đăng nhập một lần"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported in ready(): the hooks read models, which exist once the registry is loaded.
        from integrations.sso import hooks

        hooks.register()
