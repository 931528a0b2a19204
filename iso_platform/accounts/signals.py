"""Account security events, for the audit trail to record.

Nothing in this package stores them: the platform audit log subscribes. Sign-ins and sign-outs
are Django's own `user_logged_in`, `user_login_failed` (also a wrong second-factor code) and
`user_logged_out`; everything else about an account's security is `security_event`:

    security_event.send(sender=User, user=user, action=SecurityAction.TWO_FACTOR_ENABLED,
                        request=request_or_None)

`request` is None outside a request (the `two_factor_reset` command). Receivers run inside the
service's transaction where there is one, so a row they write commits with the change.
"""

from __future__ import annotations

from django.dispatch import Signal

from iso_platform.accounts.models import User


class SecurityAction:
    TWO_FACTOR_ENABLED = "two_factor.enabled"
    TWO_FACTOR_DISABLED = "two_factor.disabled"
    TWO_FACTOR_RESET = "two_factor.reset"  # by an operator (management command)
    TWO_FACTOR_VERIFIED = "two_factor.verified"  # a sign-in passed the code step
    RECOVERY_CODE_USED = "two_factor.recovery_code_used"
    RECOVERY_CODES_REGENERATED = "two_factor.recovery_codes_regenerated"
    PASSWORD_CHANGED = "password.changed"  # noqa: S105 - an event name
    SESSION_IDLE_TIMEOUT = "session.idle_timeout"
    SESSION_EXPIRED = "session.expired"


# kwargs: user, action (a SecurityAction value), request (or None)
security_event = Signal()


def security_event_send(*, user, action: str, request=None) -> None:

    security_event.send(sender=User, user=user, action=action, request=request)


# The agency's people, for the layers above (the kernel never calls them). Receivers run in
# the sender's transaction; sent only inside an agency schema.
#
# people_changed: someone was invited, accepted, changed, deactivated or imported (the
# onboarding checklist recounts). No arguments.
people_changed = Signal()
# first_admin_invitation: a step of the agency's first administrator's invitation.
# kwargs: user, state ("sent", "accepted", "resent", "revoked"), invitation (or None), by.
first_admin_invitation = Signal()
