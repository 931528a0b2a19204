from django.urls import path

from integrations.webhooks import apis

urlpatterns = [
    path(
        "webhooks/subscriptions/",
        apis.SubscriptionListApi.as_view(),
        name="webhook-subscription-list",
    ),
    path(
        "webhooks/subscriptions/<int:pk>/",
        apis.SubscriptionDetailApi.as_view(),
        name="webhook-subscription-detail",
    ),
    path(
        "webhooks/subscriptions/<int:pk>/rotate-secret/",
        apis.SubscriptionRotateApi.as_view(),
        name="webhook-subscription-rotate",
    ),
    path(
        "webhooks/subscriptions/<int:pk>/test/",
        apis.SubscriptionTestApi.as_view(),
        name="webhook-subscription-test",
    ),
    path(
        "webhooks/subscriptions/<int:pk>/deliveries/",
        apis.DeliveryListApi.as_view(),
        name="webhook-delivery-list",
    ),
    path(
        "webhooks/subscriptions/<int:pk>/deliveries/<int:delivery>/redeliver/",
        apis.DeliveryRedeliverApi.as_view(),
        name="webhook-delivery-redeliver",
    ),
]
