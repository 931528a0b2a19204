from django.urls import path

from onboarding.pack_pages import views

app_name = "agency_packs"

urlpatterns = [
    path("", views.AgencyPacksView.as_view(), name="list"),
    path("<str:key>/", views.AgencyPackDetailView.as_view(), name="detail"),
    path("<str:key>/choose/", views.PackChooseView.as_view(), name="choose"),
    path("<str:key>/items/<str:item>/adopt/", views.ItemAdoptView.as_view(), name="adopt"),
    path("<str:key>/items/<str:item>/decline/", views.ItemDeclineView.as_view(), name="decline"),
]
