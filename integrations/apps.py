from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from quality.procedures.event_sources import event_source_register

        event_source_register("integrations.inbox", _inbox_events)


def _inbox_events(application, limit: int) -> list:
    """What the one-stop-shop sent about the application, except what it rejected."""
    # Imported in ready(): models and receivers exist once the app registry is loaded.
    from integrations.models import InboxEvent

    rows = InboxEvent.objects.filter(application_code=application.code).exclude(status="rejected")
    return list(rows.order_by("occurred_at", "id")[:limit])
