from django.apps import AppConfig

from tenants import moved_links


class CoreConfig(AppConfig):
    name = "quality.core"
    label = "quality_core"
    verbose_name = "Cổng cơ quan"

    def ready(self):
        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from iso_platform import audit
        from quality.core.models import AuditEvent

        # Each agency's trail is this layer's table; the kernel's audit API writes through it.
        audit.writer_register(audit.AGENCY, AuditEvent.objects.create)

        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register("quality_core.unit", "portal:unit_edit")

        # The agencies' signing keys are rotated with the province's (signing_keys_rotate).
        from iso_platform.signing.keys import encrypted_fields_register

        encrypted_fields_register(
            "quality_core.SigningCredential", "pkcs12_encrypted", "remote_token_encrypted"
        )
