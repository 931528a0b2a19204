"""E-mails to people. The agency schema travels with the task (tenant-schemas-celery)."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone

from iso_platform.accounts.invitations import (
    digest_of,
    invitation_issue,
    link_path,
    ttl_hours,
)
from iso_platform.accounts.models import Invitation, User
from iso_platform.current import current_agency


@shared_task(
    name="accounts.send_invitation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def send_invitation(user_id: int, token: str | None = None) -> None:
    """E-mail the set-password link `token` (made by the caller, who knows it only until
    this message is sent). Without a token, a new invitation is issued here, which revokes
    the person's earlier links. A link revoked or used meanwhile is not sent."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return  # already signed up, or gone: nothing to send
    if token is None:
        issued = invitation_issue(user)
        invitation, token = issued.invitation, issued.token
    else:
        invitation = Invitation.objects.filter(user=user, digest=digest_of(token)).first()
        if invitation is None or not invitation.is_usable():
            return  # resent or revoked since: only the newest link goes out
        if invitation.sent_at is not None:
            return  # a message delivered twice (outbox, worker lost): one e-mail per link
    agency = current_agency() or connection.tenant  # the public schema: the console's address
    context = {
        "user": user,
        "agency": agency,
        "link": agency.url.rstrip("/") + link_path(token),
        "hours": ttl_hours(),
        "expires_at": invitation.expires_at,
    }
    send_mail(
        subject=render_to_string("accounts/email/invitation_subject.txt", context).strip(),
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
