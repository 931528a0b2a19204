"""Agency portal billing page (/billing/ on the agency host): its plan, its usage against
the limits, its invoices (PDF of the ones it pays itself) and its lines of the province's
consolidated invoice. Agency administrators and leaders only; never another agency's."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from billing.models import Invoice, Payer
from billing.pdf import agency_statement_pdf
from billing.services import limits
from billing.services.invoicing import (
    invoice_for_agency,
    invoice_lines_for_agency,
    invoices_for_agency,
)
from billing.templatetags.billing_tags import may_see_billing
from billing.views import pdf_response


class AgencyBillingMixin:
    def dispatch(self, request, *args, **kwargs):
        tenant = getattr(connection, "tenant", None)
        if tenant is None or tenant.is_public:
            raise Http404
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not may_see_billing(request.user):
            raise PermissionDenied
        self.agency = tenant
        return super().dispatch(request, *args, **kwargs)


class AgencyBillingView(AgencyBillingMixin, View):
    def get(self, request):
        subscription = limits.subscription_of(self.agency)
        measures = limits.measures(self.agency, subscription)
        province_lines = invoice_lines_for_agency(agency=self.agency).filter(
            invoice__payer=Payer.PROVINCE
        )
        chart = {
            "type": "bar",
            "max": 100,
            "yTitle": "%",
            "labels": [m.label for m in measures],
            "datasets": [
                {"label": _("% định mức"), "data": [min(m.percent, 100) for m in measures]}
            ],
        }
        return render(
            request,
            "billing/agency/home.html",
            {
                "subscription": subscription,
                "measures": measures,
                "chart": chart,
                "invoices": invoices_for_agency(agency=self.agency),
                "province_lines": province_lines,
                "warnings": limits.warnings(self.agency),
            },
        )


class AgencyStatementPdfView(AgencyBillingMixin, View):
    """Its share of the province's consolidated invoice: only its own lines."""

    def get(self, request, pk):
        from django.http import HttpResponse

        invoice = Invoice.objects.filter(
            pk=pk, payer=Payer.PROVINCE, lines__agency=self.agency
        ).first()
        if invoice is None:
            raise Http404
        response = HttpResponse(
            agency_statement_pdf(invoice, self.agency), content_type="application/pdf"
        )
        name = f"{invoice.number_display}-{self.agency.code}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response


class AgencyInvoicePdfView(AgencyBillingMixin, View):
    def get(self, request, pk):
        try:
            invoice = invoice_for_agency(agency=self.agency, pk=pk)
        except Invoice.DoesNotExist:
            raise Http404 from None
        return pdf_response(invoice)
