from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingProvinceConfig(AppConfig):
    name = "onboarding.province"
    label = "onboarding_province"

    def ready(self):
        # Models exist once the app registry is loaded.
        from onboarding.province.models import rollout_rows_failed
        from tenants.failures import FailureSource, failure_source_register

        failure_source_register(
            FailureSource(
                key="rows",
                title=_("Dòng triển khai hàng loạt"),
                metric="eiso_rollout_rows_failed",
                metric_help="Bulk rollout rows failed in the last 30 days.",
                failed=rollout_rows_failed,
                item_template="onboarding/health/_failed_row.html",
                position=20,
            )
        )
