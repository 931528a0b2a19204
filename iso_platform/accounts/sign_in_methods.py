"""Other ways to sign in, offered by the layers above (single sign-on in `integrations.sso`).

The kernel's sign-in and sign-out pages know nothing of identity providers; a method
registers three small callables in its AppConfig.ready:

- `button(request)` -> (label, url) or None: a button under the password form on this host;
- `password_refusal(request)` -> a Vietnamese message or None: the password form refuses
  with it (an agency that switched local passwords off);
- `sign_out_url(request)` -> an absolute address or None: asked while the person is still
  signed in; after the session ends, the browser goes there (the provider's own sign-out).

Each is called per request and must be cheap (no outbound HTTP).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SignInMethod:
    name: str
    button: Callable[..., tuple[str, str] | None]
    password_refusal: Callable[..., str | None]
    sign_out_url: Callable[..., str | None]


_methods: dict[str, SignInMethod] = {}


def method_register(method: SignInMethod) -> None:
    _methods[method.name] = method


def buttons(request) -> list[tuple[str, str]]:
    return [b for m in _methods.values() if (b := m.button(request)) is not None]


def password_refusal(request) -> str | None:
    return next((r for m in _methods.values() if (r := m.password_refusal(request))), None)


def sign_out_url(request) -> str | None:
    return next((u for m in _methods.values() if (u := m.sign_out_url(request))), None)
