from django.urls import path

from quality.risks import views

app_name = "risks"

urlpatterns = [
    path("", views.RegisterView.as_view(), name="register"),
    path("new/", views.RiskCreateView.as_view(), name="create"),
    path("<int:pk>/", views.RiskDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.RiskEditView.as_view(), name="edit"),
    path("<int:pk>/reevaluate/", views.RiskReevaluateView.as_view(), name="reevaluate"),
    path("<int:pk>/actions/", views.RiskActionAddView.as_view(), name="action_add"),
    path("context/", views.ContextView.as_view(), name="context"),
    path("context/climate/", views.ClimateDecisionView.as_view(), name="climate"),
    path("context/<int:pk>/", views.ContextView.as_view(), name="context_edit"),
]
