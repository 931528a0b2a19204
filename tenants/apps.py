from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Cơ quan"

    def ready(self):
        # Models and receivers load once the app registry is ready.
        from iso_platform import audit
        from iso_platform.accounts.signals import first_admin_invitation
        from tenants import receivers
        from tenants.models import OperationKind, PlatformAuditEvent
        from tenants.services import exports, operations

        # The platform log is this layer's table; the kernel's audit API writes through it.
        audit.writer_register(audit.PLATFORM, PlatformAuditEvent.objects.create)
        operations.runner_register(OperationKind.EXPORT, exports.export_run)
        operations.runner_register(OperationKind.IMPORT, exports.import_run)
        first_admin_invitation.connect(
            receivers.first_admin_invitation, dispatch_uid="tenants.first_admin_invitation"
        )
