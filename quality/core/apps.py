from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "quality.core"
    label = "quality_core"
    verbose_name = "Cổng cơ quan"

    def ready(self):
        from iso_platform import audit
        from quality.core.models import AuditEvent

        # Each agency's trail is this layer's table; the kernel's audit API writes through it.
        audit.writer_register(audit.AGENCY, AuditEvent.objects.create)
