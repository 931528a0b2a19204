from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        from billing import receivers
        from iso_platform.quotas import quota_requested
        from tenants.signals import agency_provisioned

        quota_requested.connect(receivers.quota_requested, dispatch_uid="billing.quota")
        agency_provisioned.connect(
            receivers.agency_provisioned, dispatch_uid="billing.agency_provisioned"
        )
