from django.urls import path

from integrations import apis

urlpatterns = [
    path("integrations/events", apis.EventApi.as_view(), name="integration-event"),
    path("integrations/events/batch", apis.EventBatchApi.as_view(), name="integration-batch"),
    path(
        "integrations/events/<str:event_id>",
        apis.EventStatusApi.as_view(),
        name="integration-event-status",
    ),
]
