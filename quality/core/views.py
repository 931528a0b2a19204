from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from quality.core.navigation import AREAS


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "quality/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["areas"] = [area for area in AREAS if area.key != "dashboard"]
        return context
