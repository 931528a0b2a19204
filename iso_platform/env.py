"""Strict reading of settings from environment variables.

A value that cannot be parsed stops start-up with an `EnvError` naming the
variable: a typo in `DEBUG` must never silently mean False. Secrets may come
from a file instead (`SECRET_KEY_FILE=/run/secrets/key`), the way Kubernetes
and Docker mount them; setting both the variable and its `_FILE` twin is an
error, because one of them would be ignored.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress as _ipaddress
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)


class EnvError(ImproperlyConfigured):
    """A setting's environment variable is missing or malformed."""


def _raw(name: str, environ=None) -> str | None:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def secret(name: str, default: str | None = None, *, environ=None) -> str | None:
    """A secret from NAME or from the file named by NAME_FILE."""
    environ = os.environ if environ is None else environ
    direct, file_name = _raw(name, environ), _raw(f"{name}_FILE", environ)
    if direct is not None and file_name is not None:
        raise EnvError(f"{name} and {name}_FILE are both set: set only one of them.")
    if file_name is None:
        return default if direct is None else direct
    path = Path(file_name)
    try:
        content = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise EnvError(f"{name}_FILE={file_name!r} cannot be read: {exc.strerror}.") from exc
    if not content:
        raise EnvError(f"{name}_FILE={file_name!r} is empty.")
    return content


def string(name: str, default: str | None = None, *, environ=None) -> str | None:
    value = _raw(name, environ)
    return default if value is None else value


# The format of an agency's code (tenants.models.CODE_RE; the kernel cannot import tenants).
AGENCY_CODE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


def agency_code(name: str, *, words: tuple[str, ...] = (), environ=None) -> str:
    """An agency's code, one of `words`, or "" when unset."""
    value = _raw(name, environ)
    if value is None:
        return ""
    if value not in words and not AGENCY_CODE_RE.match(value):
        also = "".join(f" or {word!r}" for word in words)
        raise EnvError(
            f"{name}={value!r} is not an agency code (lower-case letters, digits and "
            f"hyphens, for example sokhcn){also}."
        )
    return value


def boolean(name: str, default: bool, *, environ=None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EnvError(
        f"{name}={value!r} is not a boolean: use one of true/false, yes/no, on/off, 1/0."
    )


def integer(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None, environ=None
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name}={number} is below the minimum {minimum}.")
    if maximum is not None and number > maximum:
        raise EnvError(f"{name}={number} is above the maximum {maximum}.")
    return number


def seconds_list(name: str, default: tuple[int, ...], *, environ=None) -> tuple[int, ...]:
    """Comma-separated delays in seconds, for example `5,300,1800` (at least one, each >= 1)."""
    value = _raw(name, environ)
    if value is None:
        return default
    parts = [p.strip() for p in value.split(",")]
    if not all(p.isdigit() and int(p) >= 1 for p in parts):
        raise EnvError(f"{name}={value!r} is not a comma-separated list of seconds (each >= 1).")
    return tuple(int(p) for p in parts)


def hostname(name: str, default: str, *, environ=None) -> str:
    value = (_raw(name, environ) or default).lower().rstrip(".")
    if not HOSTNAME_RE.match(value):
        raise EnvError(
            f"{name}={value!r} is not a host name (letters, digits, hyphens and dots, "
            "no scheme, port or path; for example iso.angiang.gov.vn)."
        )
    return value


def url(name: str, value: str | None, *, schemes: tuple[str, ...]) -> str | None:
    """Check that an already read URL has one of the accepted schemes."""
    if value is None:
        return None
    scheme = urlsplit(value).scheme
    if scheme not in schemes:
        shown = value.split("@")[-1] if "@" in value else value
        raise EnvError(
            f"{name} must be a URL starting with one of {', '.join(s + '://' for s in schemes)}"
            f" (got {scheme or 'no scheme'!s}: ...{shown[-40:]!s})."
        )
    return value


def choice(name: str, default: str, choices: tuple[str, ...], *, environ=None) -> str:
    value = _raw(name, environ)
    if value is None:
        return default
    if value not in choices:
        raise EnvError(f"{name}={value!r} must be one of: {', '.join(choices)}.")
    return value


RATE_RE = re.compile(r"^\d+/\d*[smhd]$")


def rate(name: str, default: str, *, environ=None) -> str:
    """A rate limit such as `20/h` or `5/10m` (count / period in s, m, h or d)."""
    value = _raw(name, environ) or default
    if not RATE_RE.match(value):
        raise EnvError(f"{name}={value!r} is not a rate like 20/h or 5/10m.")
    return value


def date(name: str, default: _dt.date, *, environ=None) -> _dt.date:
    """A calendar date written YYYY-MM-DD."""
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not a date written YYYY-MM-DD.") from None


TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")


def tax_code(name: str, *, environ=None) -> str:
    """A Vietnamese tax code (mã số thuế): 10 digits, or 10 digits, a hyphen and 3 digits for
    a branch (0101234567-001). Empty when unset."""
    value = _raw(name, environ)
    if value is None:
        return ""
    if not TAX_CODE_RE.match(value):
        raise EnvError(
            f"{name}={value!r} is not a tax code: 10 digits, or 10 digits, a hyphen and "
            "3 digits (for example 0101234567 or 0101234567-001)."
        )
    return value


def ports(name: str, *, environ=None) -> tuple[int, ...]:
    """Comma-separated TCP port numbers, for example `8080,8443`."""
    value = _raw(name, environ)
    if value is None:
        return ()
    found = []
    for part in (p.strip() for p in value.split(",")):
        if not part.isdigit() or not 1 <= int(part) <= 65535:
            raise EnvError(f"{name}: {part!r} is not a port number (1-65535).")
        found.append(int(part))
    return tuple(found)


def host_entry(entry: str) -> tuple[str, int | None] | None:
    """`host`, `host:port`, an IP address or `[IPv6]:port`, normalised; None if malformed."""
    entry = entry.strip().lower()
    try:
        parts = urlsplit("//" + entry)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    try:
        return _ipaddress.ip_address(host).compressed, port
    except ValueError:
        pass
    host = host.rstrip(".")
    return (host, port) if HOSTNAME_RE.match(host) else None


def hosts(name: str, *, environ=None) -> tuple[str, ...]:
    """Comma-separated host names or IP addresses, each maybe with `:port`."""
    value = _raw(name, environ)
    if value is None:
        return ()
    found = []
    for part in (p.strip() for p in value.split(",") if p.strip()):
        parsed = host_entry(part)
        if parsed is None:
            raise EnvError(
                f"{name}: {part!r} is not a host name or IP address with an optional :port "
                "(for example gateway.angiang.gov.vn, 10.20.0.5:8443, [fd00::5]:8080)."
            )
        host, port = parsed
        shown = f"[{host}]" if ":" in host else host
        found.append(f"{shown}:{port}" if port else shown)
    return tuple(found)


def absolute_paths(name: str, default: tuple[str, ...] = (), *, environ=None) -> tuple[str, ...]:
    """Comma-separated absolute file paths, for example `/usr/lib/softhsm/libsofthsm2.so`."""
    value = _raw(name, environ)
    if value is None:
        return default
    found = tuple(part.strip() for part in value.split(",") if part.strip())
    for part in found:
        if not part.startswith("/") or "\x00" in part or "/../" in f"{part}/":
            raise EnvError(f"{name}: {part!r} is not an absolute file path.")
    return found


def fernet_keys(name: str, *, environ=None) -> tuple[str, ...]:
    """Comma-separated Fernet keys (a secret, so NAME_FILE works): the first encrypts, all
    decrypt. Each is 32 bytes in URL-safe base64, as `Fernet.generate_key()` writes them."""
    import base64
    import binascii

    value = secret(name, environ=environ)
    if value is None:
        return ()
    keys = tuple(part.strip() for part in value.split(",") if part.strip())
    for number, key in enumerate(keys, start=1):
        try:
            valid = len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
        except (binascii.Error, ValueError, UnicodeEncodeError):
            valid = False
        if not valid:
            raise EnvError(
                f"{name}: key {number} is not a Fernet key (32 bytes in URL-safe base64; "
                "python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')."
            )
    return keys
