from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outgoing events. In SHARED_APPS and TENANT_APPS: an agency's subscriptions live in its
    schema (its events only), the province's in the public schema (agency life-cycle events)."""

    name = "integrations.webhooks"
    label = "integrations_webhooks"
    verbose_name = "Sự kiện gửi đi (webhook)"

    def ready(self):
        # Imported in ready(): receivers use the models, which exist once the registry is
        # loaded; the tasks module registers the delivery task the outbox names.
        from integrations.webhooks import receivers, tasks  # noqa: F401
        from quality.core.events import qms_event
        from tenants.signals import agency_event, agency_provisioned

        qms_event.connect(receivers.qms_event_received, dispatch_uid="webhooks.qms_event")
        agency_provisioned.connect(
            receivers.agency_provisioned, dispatch_uid="webhooks.agency_provisioned"
        )
        agency_event.connect(receivers.agency_event_received, dispatch_uid="webhooks.agency_event")
