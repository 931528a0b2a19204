"""The agency's home page: a tile per area with its figure, and what waits for the person.

It is composition: it reads every area (the figures, the documents waiting for review), so it
lives above them; the areas' own pages never import it.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from eiso.home.figures import dashboard_figures
from quality.core.navigation import areas
from quality.documents.selectors import my_pending_acknowledgements, review_inbox


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "quality/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        figures, inbox = dashboard_figures(user, extra=review_inbox(user))
        context.update(
            areas=[(area, figures.get(area.key)) for area in areas()],
            reading=my_pending_acknowledgements(user)[:10],
            to_review=inbox["to_review"],
            to_approve=inbox["to_approve"],
            my_drafts=inbox["my_drafts"],
        )
        return context
