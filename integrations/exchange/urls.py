from django.urls import path

from integrations.exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.LogView.as_view(), name="log"),
    path("send/", views.SendView.as_view(), name="send"),
    path("recipients/", views.RecipientsView.as_view(), name="recipients"),
    path(
        "recipients/<int:pk>/toggle/", views.RecipientToggleView.as_view(), name="recipient_toggle"
    ),
    path("<int:pk>/", views.MessageView.as_view(), name="message"),
    path("<int:pk>/package.xml", views.PackageFileView.as_view(), name="package_file"),
]
