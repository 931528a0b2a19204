from django.urls import path

from quality.objectives import views

app_name = "objectives"

urlpatterns = [
    path("", views.ObjectiveListView.as_view(), name="list"),
    path("new/", views.ObjectiveCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ObjectiveDetailView.as_view(), name="detail"),
    path("<int:pk>/measure/", views.MeasureView.as_view(), name="measure"),
    path("<int:pk>/compute/", views.ComputeView.as_view(), name="compute"),
    path("<int:pk>/actions/", views.ObjectiveActionAddView.as_view(), name="action_add"),
]
