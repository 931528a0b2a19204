"""Sign-ins into the audit trails: success, failure, lockout (django-axes) and sign-out,
and the account security events (two-factor, password) of `iso_platform.accounts.signals`.

A sign-in on an agency's host goes to that agency's trail, one on the console to the
platform audit log (`iso_platform.audit.here_record` picks by the schema in use).
Only the address the person typed (never the password: Django hands receivers the
credentials with the password masked, and they are not looked at), the visitor's address
(`iso_platform.net.client_ip`, as axes sees it) and the browser are kept.

The receivers are connected in `AccountsConfig.ready`. They write one row each; a sign-in
that happens inside a caller's transaction (tests' `force_login`, the invitation page) has
its row in that transaction.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from iso_platform.accounts.identifiers import normalise_email
from iso_platform.accounts.models import User
from iso_platform.accounts.signals import SecurityAction, security_event
from iso_platform.audit import here_record

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_LOCKED = "sign_in_locked"
SIGN_OUT = "sign_out"


def _record(action: str, *, request, user=None, username: str = "") -> None:
    """A sign-in or sign-out names its person; a refused attempt names no actor, only the
    address typed (and, as subject, the person it belongs to on this host, if any)."""

    signed_in = action in (SIGN_IN, SIGN_OUT)
    if not signed_in:
        user = _known(username) if username else None
    here_record(
        action=action,
        subject_type="user",
        subject_id=getattr(user, "pk", "") or "",
        subject_label=getattr(user, "email", "") or username,
        actor=user if signed_in else None,
        label=None if signed_in else (username[:254] or "—"),
        request=request,
    )


def _known(username: str):
    """The person the typed address belongs to on this host, if any (for the subject)."""

    return User.objects.filter(email=normalise_email(username)).only("pk", "email").first()


def on_logged_in(sender, request, user, **kwargs):
    _record(SIGN_IN, request=request, user=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:  # signing out without a session
        _record(SIGN_OUT, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    if getattr(request, "axes_locked_out", False):
        return  # refused because already locked out: `on_locked_out` records it
    _record(SIGN_IN_FAILED, request=request, username=_username(credentials))


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    _record(SIGN_IN_LOCKED, request=request, username=_locked_username(request, username))


def _locked_username(request, username) -> str:
    """axes sends no username when the attempt was refused before checking the password;
    the address typed is then in the credentials it kept, or in the form."""
    if username:
        return str(username)[:254]
    typed = _username(getattr(request, "axes_credentials", None) or {})
    if not typed and request is not None and request.method == "POST":
        typed = str(request.POST.get("username", ""))[:254]
    return typed


def _username(credentials: dict) -> str:
    return str(credentials.get("username") or credentials.get("email") or "")[:254]


def on_security_event(sender, user, action: str, request=None, **kwargs):
    """Two-factor and password changes (`iso_platform.accounts.signals`)."""

    by_operator = action == SecurityAction.TWO_FACTOR_RESET
    here_record(
        action=action,
        subject_type="user",
        subject_id=user.pk,
        subject_label=user.email,
        actor=None if by_operator else user,
        request=request,
    )


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_logged_in, dispatch_uid="eiso-audit-sign-in")
    user_logged_out.connect(on_logged_out, dispatch_uid="eiso-audit-sign-out")
    user_login_failed.connect(on_login_failed, dispatch_uid="eiso-audit-sign-in-failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="eiso-audit-locked-out")
    security_event.connect(on_security_event, dispatch_uid="eiso-audit-security")
