"""Billing REST API, read-only.

- Province (bare domain, `/api/v1/billing/`, province users): invoices (with lines),
  subscriptions, daily usage.
- Agency (its host, `/api/v1/billing/`, its administrators and leader): its subscription
  with usage against the limits, its own invoices, its lines of the province's invoice.
"""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.models import Invoice, InvoiceLine, Subscription, UsageDaily
from billing.services import limits
from billing.services.invoicing import invoice_lines_for_agency, invoices_for_agency
from billing.templatetags.billing_tags import may_see_billing
from billing.views import parse_month
from iso_platform.accounts.permissions import IsProvinceUser


class LineOut(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code")

    class Meta:
        model = InvoiceLine
        fields = [
            "position",
            "agency_code",
            "kind",
            "description",
            "quantity",
            "unit_price",
            "amount",
            "vat_permille",
            "period_from",
            "period_to",
        ]


class InvoiceOut(serializers.ModelSerializer):
    number = serializers.CharField(source="number_display")
    agency_code = serializers.CharField(source="agency.code", default=None)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "payer",
            "agency_code",
            "buyer_name",
            "period",
            "status",
            "subtotal",
            "vat_amount",
            "total",
            "issued_at",
            "due_on",
            "paid_at",
            "paid_reference",
            "void_reason",
        ]


class InvoiceDetailOut(InvoiceOut):
    lines = LineOut(many=True, read_only=True)

    class Meta(InvoiceOut.Meta):
        fields = [*InvoiceOut.Meta.fields, "lines"]


class SubscriptionOut(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code")
    plan_code = serializers.CharField(source="plan_version.plan.code")
    plan_name = serializers.CharField(source="plan_version.plan.name")
    plan_version = serializers.IntegerField(source="plan_version.version")
    monthly_price = serializers.IntegerField(source="plan_version.monthly_price")
    hard_limits = serializers.BooleanField(source="plan_version.hard_limits")
    after_pilot_plan = serializers.CharField(source="after_pilot_plan.code", default=None)

    class Meta:
        model = Subscription
        fields = [
            "agency_code",
            "plan_code",
            "plan_name",
            "plan_version",
            "monthly_price",
            "hard_limits",
            "payer",
            "status",
            "started_on",
            "pilot_end",
            "after_pilot_plan",
        ]


class UsageOut(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code")

    class Meta:
        model = UsageDaily
        fields = ["agency_code", "day", "active_users", "storage_bytes", "applications_received"]


class MeasureOut(serializers.Serializer):
    resource = serializers.CharField()
    current = serializers.IntegerField()
    limit = serializers.IntegerField()
    percent = serializers.IntegerField()


class AgencySubscriptionOut(serializers.Serializer):
    subscription = SubscriptionOut(allow_null=True)
    usage = MeasureOut(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


# --------------------------------------------------------------------------- province

INVOICE_FILTERS = [
    OpenApiParameter("month", str, description="YYYY-MM"),
    OpenApiParameter("payer", str, description="`province` or an agency code"),
    OpenApiParameter("status", str, enum=["issued", "paid", "overdue", "void"]),
]


class ProvinceInvoiceListApi(generics.ListAPIView):
    serializer_class = InvoiceOut
    permission_classes = [IsProvinceUser]

    @extend_schema(parameters=INVOICE_FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        rows = Invoice.objects.select_related("agency").order_by("-period", "payer_key", "-number")
        params = self.request.query_params
        month = parse_month(params.get("month", ""))
        if month:
            rows = rows.filter(period=month)
        payer = params.get("payer")
        if payer == "province":
            rows = rows.filter(payer="province")
        elif payer:
            rows = rows.filter(agency__code=payer)
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        return rows


class ProvinceInvoiceDetailApi(generics.RetrieveAPIView):
    serializer_class = InvoiceDetailOut
    permission_classes = [IsProvinceUser]

    def get_queryset(self):
        return Invoice.objects.select_related("agency").prefetch_related("lines__agency")


class ProvinceSubscriptionListApi(generics.ListAPIView):
    serializer_class = SubscriptionOut
    permission_classes = [IsProvinceUser]

    def get_queryset(self):
        return Subscription.objects.select_related(
            "agency", "plan_version__plan", "after_pilot_plan"
        ).order_by("agency__code")


class ProvinceUsageListApi(generics.ListAPIView):
    """Daily usage; `agency` (code), `from` and `to` (YYYY-MM-DD, inclusive)."""

    serializer_class = UsageOut
    permission_classes = [IsProvinceUser]

    @extend_schema(
        parameters=[
            OpenApiParameter("agency", str),
            OpenApiParameter("from", date),
            OpenApiParameter("to", date),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        rows = UsageDaily.objects.select_related("agency").order_by("agency__code", "day")
        params = self.request.query_params
        if params.get("agency"):
            rows = rows.filter(agency__code=params["agency"])
        for key, lookup in (("from", "day__gte"), ("to", "day__lte")):
            try:
                if params.get(key):
                    rows = rows.filter(**{lookup: date.fromisoformat(params[key])})
            except ValueError:
                continue
        return rows


# --------------------------------------------------------------------------- one agency


class IsAgencyBillingReader(BasePermission):
    message = _("Chỉ quản trị cơ quan và lãnh đạo cơ quan được xem thông tin thu phí.")

    def has_permission(self, request, view):
        tenant = getattr(connection, "tenant", None)
        return bool(tenant and not tenant.is_public and may_see_billing(request.user))


class AgencySubscriptionApi(APIView):
    permission_classes = [IsAgencyBillingReader]

    @extend_schema(responses={200: AgencySubscriptionOut})
    def get(self, request):
        agency = connection.tenant
        subscription = limits.subscription_of(agency)
        body = {
            "subscription": SubscriptionOut(subscription).data if subscription else None,
            "usage": [
                {
                    "resource": m.resource,
                    "current": m.current,
                    "limit": m.limit,
                    "percent": m.percent,
                }
                for m in limits.measures(agency, subscription)
            ],
            "warnings": limits.warnings(agency),
        }
        return Response(body)


class AgencyInvoiceListApi(generics.ListAPIView):
    """The agency's own invoices (those it pays itself)."""

    serializer_class = InvoiceOut
    permission_classes = [IsAgencyBillingReader]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Invoice.objects.none()
        return invoices_for_agency(agency=connection.tenant).select_related("agency")


class AgencyInvoiceDetailApi(generics.RetrieveAPIView):
    serializer_class = InvoiceDetailOut
    permission_classes = [IsAgencyBillingReader]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Invoice.objects.none()
        return invoices_for_agency(agency=connection.tenant).prefetch_related("lines__agency")

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class AgencyLineListApi(generics.ListAPIView):
    """Its lines on every invoice, including its block of the province's invoice."""

    serializer_class = LineOut
    permission_classes = [IsAgencyBillingReader]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return InvoiceLine.objects.none()
        return invoice_lines_for_agency(agency=connection.tenant).select_related("agency")
