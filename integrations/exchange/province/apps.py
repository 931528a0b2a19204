from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeProvinceConfig(AppConfig):
    """The province's platform connection for document exchange (SHARED_APPS only)."""

    name = "integrations.exchange.province"
    label = "integrations_exchange_province"
    verbose_name = "Kết nối liên thông văn bản của tỉnh"

    def ready(self):
        # Models exist once the app registry is loaded.
        from integrations.exchange.province import selectors
        from tenants.failures import FailureSource, failure_source_register

        failure_source_register(
            FailureSource(
                key="exchange_connection",
                title=_("Kết nối nền tảng liên thông văn bản đang lỗi"),
                metric="eiso_exchange_connection_failing",
                metric_help="1 while the last request to the province's exchange platform failed.",
                failed=selectors.connection_failing,
                item_template="integrations/exchange/health/_failing_connection.html",
                position=40,
            )
        )
        failure_source_register(
            FailureSource(
                key="exchange_waiting",
                title=_("Gói tin liên thông chờ gửi quá 1 giờ"),
                metric="eiso_exchange_packages_waiting",
                metric_help=(
                    "Outgoing exchange packages waiting, in agencies whose oldest one has waited "
                    "more than an hour."
                ),
                failed=selectors.backlogs_stuck,
                count=selectors.packages_waiting,
                item_template="integrations/exchange/health/_waiting_agency.html",
                position=50,
            )
        )
