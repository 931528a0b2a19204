from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Cơ quan"

    def ready(self):
        # Models and receivers load once the app registry is ready.
        from iso_platform import audit
        from iso_platform.accounts.signals import first_admin_invitation
        from tenants import failures, receivers
        from tenants.models import OperationKind, PlatformAuditEvent
        from tenants.services import exports, operations

        # The platform log is this layer's table; the kernel's audit API writes through it.
        audit.writer_register(audit.PLATFORM, PlatformAuditEvent.objects.create)
        operations.runner_register(OperationKind.EXPORT, exports.export_run)
        operations.runner_register(OperationKind.IMPORT, exports.import_run)
        failures.failure_source_register(
            failures.FailureSource(
                key="jobs",
                title=_("Việc khởi tạo cơ quan"),
                metric="eiso_provisioning_jobs_failed",
                metric_help="Provisioning jobs failed in the last 30 days.",
                failed=failures.provisioning_failed,
                item_template="tenants/health/_failed_job.html",
                position=10,
            )
        )
        failures.failure_source_register(
            failures.FailureSource(
                key="operations",
                title=_("Hợp nhất, tách, lưu trữ, xuất, nhập"),
                metric="eiso_lifecycle_operations_failed",
                metric_help="Merge, split, archive, export and import operations failed (30 days).",
                failed=failures.operations_failed,
                item_template="tenants/health/_failed_operation.html",
                position=30,
            )
        )
        first_admin_invitation.connect(
            receivers.first_admin_invitation, dispatch_uid="tenants.first_admin_invitation"
        )
