from django.urls import include, path

from integrations import apis
from integrations.exchange import apis as exchange_apis

urlpatterns = [
    path("integrations/events", apis.EventApi.as_view(), name="integration-event"),
    path("integrations/events/batch", apis.EventBatchApi.as_view(), name="integration-batch"),
    path(
        "integrations/exchange/messages",
        exchange_apis.ExchangeMessageApi.as_view(),
        name="exchange-message",
    ),
    path(
        "integrations/events/<str:event_id>",
        apis.EventStatusApi.as_view(),
        name="integration-event-status",
    ),
    path("", include("integrations.webhooks.api_urls")),
]
