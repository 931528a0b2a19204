"""E-mails to people. The agency schema travels with the task (tenant-schemas-celery)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string

from iso_platform.accounts.models import User
from iso_platform.accounts.services import invitation_for


@shared_task(
    name="accounts.send_invitation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def send_invitation(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return  # already signed up, or gone: nothing to send
    agency = connection.tenant
    link = agency.url.rstrip("/") + invitation_for(user).path()
    context = {
        "user": user,
        "agency": agency,
        "link": link,
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    send_mail(
        subject=render_to_string("accounts/email/invitation_subject.txt", context).strip(),
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
