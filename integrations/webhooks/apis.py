"""REST API of outgoing events (`/api/v1/webhooks/`, docs/api/webhooks.md): the agency's
subscriptions, their delivery log, rotating a secret and sending again, for the agency's
administrators, exactly as the pages (integrations/webhooks/views.py) with the same services
(validation, audit rows)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.webhooks import services
from integrations.webhooks.models import Attempt, Delivery, DeliveryStatus, Subscription
from quality.documents.apis.shapes import Capability

MANAGE = [Capability.of("integrations.manage")]


class WebhookSubscriptionOut(serializers.ModelSerializer):
    previous_secret_valid_until = serializers.DateTimeField(
        source="previous_until",
        allow_null=True,
        help_text="Until then the previous secret signs too (a second signature).",
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "name",
            "url",
            "event_types",
            "active",
            "disabled_at",
            "disabled_reason",
            "previous_secret_valid_until",
            "created_at",
        ]


class WebhookSubscriptionCreatedOut(WebhookSubscriptionOut):
    secret = serializers.CharField(
        help_text="`whsec_…`: shown in this answer only; store it in the receiving system."
    )

    class Meta(WebhookSubscriptionOut.Meta):
        fields = [*WebhookSubscriptionOut.Meta.fields, "secret"]


class WebhookSecretOut(serializers.Serializer):
    secret = serializers.CharField(help_text="The new `whsec_…`, shown in this answer only.")
    previous_secret_valid_until = serializers.DateTimeField()


class WebhookSubscriptionIn(serializers.Serializer):
    # Blank names, empty lists and any address pass here: the service is the one judge, with
    # the pages' Vietnamese messages (the outbound policy for the address, the catalogue for
    # the event types).
    name = serializers.CharField(max_length=100, allow_blank=True)
    url = serializers.CharField(max_length=500, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=40),
        allow_empty=True,
        max_length=50,
        help_text="Types from the catalogue (docs/api/webhooks.md), at least one.",
    )


class WebhookSubscriptionPatchIn(WebhookSubscriptionIn):
    active = serializers.BooleanField(
        help_text="Switched back on, it sends the deliveries still pending, in order."
    )


class WebhookAttemptOut(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["at", "http_status", "duration_ms", "error", "response_excerpt"]


class WebhookDeliveryOut(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.uid", help_text="The `webhook-id` header.")
    event_type = serializers.CharField(source="event.type")
    occurred_at = serializers.DateTimeField(source="event.occurred_at")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempt_log = WebhookAttemptOut(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "occurred_at",
            "status",
            "attempts",
            "next_attempt_at",
            "finished_at",
            "last_http_status",
            "created_at",
            "attempt_log",
        ]


def _subscription(pk) -> Subscription:
    return get_object_or_404(Subscription, pk=pk)


class SubscriptionListApi(generics.ListAPIView):
    """The agency's subscriptions; POST adds one and answers with its secret, once."""

    serializer_class = WebhookSubscriptionOut
    permission_classes = MANAGE
    filter_backends = []

    def get_queryset(self):
        return Subscription.objects.order_by("name", "id")

    @extend_schema(request=WebhookSubscriptionIn, responses={201: WebhookSubscriptionCreatedOut})
    def post(self, request):
        data = WebhookSubscriptionIn(data=request.data)
        data.is_valid(raise_exception=True)
        subscription, secret = services.subscription_create(
            actor=request.user, **data.validated_data
        )
        body = {**WebhookSubscriptionOut(subscription).data, "secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)


class SubscriptionDetailApi(APIView):
    permission_classes = MANAGE

    @extend_schema(responses=WebhookSubscriptionOut)
    def get(self, request, pk):
        return Response(WebhookSubscriptionOut(_subscription(pk)).data)

    @extend_schema(request=WebhookSubscriptionPatchIn, responses=WebhookSubscriptionOut)
    def patch(self, request, pk):
        subscription = _subscription(pk)
        data = WebhookSubscriptionPatchIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = {
            "name": subscription.name,
            "url": subscription.url,
            "event_types": subscription.event_types,
            "active": subscription.active,
        }
        subscription = services.subscription_update(
            actor=request.user, subscription=subscription, **(current | data.validated_data)
        )
        return Response(WebhookSubscriptionOut(subscription).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        services.subscription_delete(actor=request.user, subscription=_subscription(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubscriptionRotateApi(APIView):
    """A new secret, answered once; the previous one still signs for 24 hours."""

    permission_classes = MANAGE

    @extend_schema(request=None, responses=WebhookSecretOut)
    def post(self, request, pk):
        subscription = _subscription(pk)
        secret = services.subscription_rotate(actor=request.user, subscription=subscription)
        subscription.refresh_from_db(fields=["previous_until"])
        return Response(
            {"secret": secret, "previous_secret_valid_until": subscription.previous_until}
        )


class SubscriptionTestApi(APIView):
    """Queue a `webhook.test` event for this subscription alone."""

    permission_classes = MANAGE

    @extend_schema(request=None, responses={202: WebhookDeliveryOut})
    def post(self, request, pk):
        delivery = services.subscription_test(actor=request.user, subscription=_subscription(pk))
        return Response(WebhookDeliveryOut(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryListApi(generics.ListAPIView):
    """A subscription's deliveries, newest first, each with its attempts."""

    serializer_class = WebhookDeliveryOut
    permission_classes = MANAGE
    filter_backends = []

    def get_queryset(self):
        subscription = _subscription(self.kwargs["pk"])
        return (
            subscription.deliveries.select_related("event")
            .prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("-at")))
            .order_by("-id")
        )


class DeliveryRedeliverApi(APIView):
    """Send one delivery again, with a fresh series of attempts."""

    permission_classes = MANAGE

    @extend_schema(request=None, responses={202: WebhookDeliveryOut})
    def post(self, request, pk, delivery):
        target = get_object_or_404(Delivery, pk=delivery, subscription=_subscription(pk))
        target = services.delivery_redeliver(actor=request.user, delivery=target)
        return Response(WebhookDeliveryOut(target).data, status=status.HTTP_202_ACCEPTED)
