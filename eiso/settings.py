"""eISO settings: one module, driven by environment variables (see docs/configuration.md).

Every variable is parsed strictly by `iso_platform.env`; a bad value stops
start-up with a message naming it. Nothing production-only lives outside the
environment.
"""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

import environ as django_environ
from celery.schedules import crontab

from iso_platform import env
from iso_platform.logging_context import sentry_before_send, sentry_scrubber

BASE_DIR = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------- core

DEBUG = env.boolean("DEBUG", default=False)
# Django's technical 404 page (every URL pattern of the host) under DEBUG, for a developer
# looking for a route; otherwise even `make run` shows the site's own 404 page.
TECHNICAL_404 = env.boolean("TECHNICAL_404", default=False)
# Set by manage.py for commands that only read the code (makemigrations, makemessages,
# compilemessages): missing deployment variables get inert stand-ins instead of stopping,
# and no embedded server is started. Never set it for a process that serves or works.
CODE_ONLY = env.boolean("EISO_CODE_ONLY", default=False)
# A missing variable stops start-up in production; DEBUG and code-only runs fill it in.
REQUIRED = not DEBUG and not CODE_ONLY
SECRET_KEY = env.secret("SECRET_KEY")
if SECRET_KEY is None:
    if REQUIRED:
        raise env.EnvError("SECRET_KEY is required when DEBUG is off (or set SECRET_KEY_FILE).")
    SECRET_KEY = "dev-only-insecure-key-" + "x" * 40  # noqa: S105 - DEBUG / code-only
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise env.EnvError(
        "SECRET_KEY must be at least 50 characters long, with at least 5 different characters, "
        "when DEBUG is off (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

BASE_DOMAIN = env.hostname("BASE_DOMAIN", default="localhost")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}"]
HTTPS = env.boolean("HTTPS", default=not DEBUG)
SITE_SCHEME = "https" if HTTPS else "http"
# Port shown in links when the site is not on 80/443 (the dev runner sets 8000).
SITE_PORT = env.integer("SITE_PORT", default=0, minimum=0, maximum=65535)

# pyHanko imports cryptography's DSA key type (to recognise DSA signatures in documents it
# validates); cryptography announces DSA's deprecation on that import, in every process and
# every command's output. eISO never signs with DSA; the warning says nothing to an operator.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")

# --------------------------------------------------------------------------- services


# Code-only commands never need a database; makemigrations' optional history check finds
# nothing listening here and says so in one warning, silenced below.
CODE_ONLY_DATABASE_URL = "postgresql://eiso@127.0.0.1:1/eiso"
if CODE_ONLY:
    warnings.filterwarnings("ignore", message="Got an error checking a consistent migration")


def _database_url() -> str:
    value = env.secret("DATABASE_URL")
    if value is None:
        if REQUIRED:
            raise env.EnvError(
                "DATABASE_URL is required when DEBUG is off "
                "(postgresql://user:password@host:5432/name)."
            )
        if CODE_ONLY and not DEBUG:
            return CODE_ONLY_DATABASE_URL
        # Development only: the embedded servers' package is not in the production image.
        from iso_platform import embedded

        value = embedded.postgres_url(env.string("EISO_DATABASE_NAME", default="eiso"))
    return env.url("DATABASE_URL", value, schemes=("postgres", "postgresql", "postgis"))


def _redis_url() -> str:
    value = env.secret("REDIS_URL")
    if value is None:
        if REQUIRED:
            raise env.EnvError("REDIS_URL is required when DEBUG is off (redis://host:6379/0).")
        if CODE_ONLY and not DEBUG:
            return "redis://127.0.0.1:1/0"  # never contacted by code-only commands
        # Development only: the embedded servers' package is not in the production image.
        from iso_platform import embedded

        value = embedded.redis_url(env.integer("EISO_REDIS_DB", default=0, minimum=0, maximum=15))
    return env.url("REDIS_URL", value, schemes=("redis", "rediss", "unix"))


DATABASE_URL = _database_url()
_db = django_environ.Env.db_url_config(DATABASE_URL)
_db["ENGINE"] = "django_tenants.postgresql_backend"
if "host" in _db.get("OPTIONS", {}):  # postgresql://user@/name?host=/socket/dir
    _db["HOST"] = _db["OPTIONS"].pop("host")
_db["CONN_MAX_AGE"] = env.integer("DATABASE_CONN_MAX_AGE", default=0, minimum=0)
_db["CONN_HEALTH_CHECKS"] = True
_db.setdefault("OPTIONS", {})["connect_timeout"] = env.integer(
    "DATABASE_CONNECT_TIMEOUT", default=5, minimum=1
)
_db["TEST"] = {"NAME": env.string("EISO_TEST_DATABASE_NAME", default="test_eiso")}
DATABASES = {"default": _db}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

REDIS_URL = _redis_url()


def _celery_url(redis_url: str) -> str:
    """kombu spells a unix socket `redis+socket://path?virtual_host=N`."""
    if not redis_url.startswith("unix://"):
        return redis_url
    path, _, query = redis_url[len("unix://") :].partition("?")
    db = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("db", "0")
    return f"redis+socket://{path}?virtual_host={db}"


CACHES = {
    "default": {
        # Redis, but a cache that is down answers "nothing cached" instead of raising
        # (iso_platform/cache.py): pages, sign-in and ingestion keep working without it.
        "BACKEND": "iso_platform.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        # Keys are prefixed by the agency schema: one agency never reads another's cache.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
    }
}

# --------------------------------------------------------------------------- tenancy

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "iso_platform.accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    # Two-factor sign-in: users live in the public schema and in every agency schema, so the
    # device tables do too (listed in both SHARED_APPS and TENANT_APPS).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "eiso.console",
    "eiso.fleet",
    "iso_platform.workdays",
    "billing",
    "insights",
    "onboarding.province",
    # The rollout's waves, baselines and weekly adoption figures (public schema).
    "evaluation",
    "iso_platform.outbox",
    # Single sign-on: the provider's configuration lives in the public schema, each agency's
    # policy (local passwords, role mapping) and people's links in its own schema.
    "integrations.sso",
    # Province trust list and signing configuration (public schema; agencies read it).
    "iso_platform.signing",
    # Outgoing events: the province's subscriptions here, each agency's in its schema.
    "integrations.webhooks",
    # Document exchange (edXML): the province's platform connection (agencies read it).
    "integrations.exchange.province",
    # National procedure catalogue: the province platform's catalogue service (agencies read it).
    "integrations.catalogue.province",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "iso_platform.accounts",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "quality.core",
    "quality.documents",
    "quality.procedures",
    "quality.improvement",
    "quality.audits",
    "quality.risks",
    "quality.objectives",
    "quality.feedback",
    "quality.reviews",
    "quality.competence",
    "quality.transition",
    "onboarding",
    "integrations",
    "integrations.sso",
    "integrations.webhooks",
    "integrations.exchange",
    "integrations.catalogue",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Agency"
# `SET search_path` once per schema switch on a connection, not before every query (it was
# half of all statements). Safe with this django-tenants: selecting a tenant, closing the
# connection, ROLLBACK and ROLLBACK TO SAVEPOINT (which undo a SET) all force the next query to
# set it again; nothing in eISO changes search_path behind its back.
TENANT_LIMIT_SET_CALLS = True
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
ROOT_URLCONF = "eiso.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "eiso.urls_public"
# Warm pool of pre-migrated spare schemas claimed by provisioning.
AGENCY_POOL_SIZE = env.integer("AGENCY_POOL_SIZE", default=3, minimum=0, maximum=500)
FLEET_MIGRATE_PARALLEL = env.integer("FLEET_MIGRATE_PARALLEL", default=0, minimum=0)

AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "iso_platform.middleware.HealthCheckMiddleware",
    "iso_platform.middleware.RequestIdMiddleware",
    "iso_platform.middleware.DatabaseUnavailableMiddleware",  # PostgreSQL down: 503, not 500
    "insights.metrics.prometheus.MetricsMiddleware",  # counts and times requests for /metrics
    "tenants.middleware.AgencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "iso_platform.middleware.LanguageMiddleware",
    "iso_platform.middleware.MalformedInputMiddleware",  # NUL characters: 400, not 500
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "iso_platform.accounts.middleware.SessionTimeoutMiddleware",  # idle and absolute limits
    "iso_platform.accounts.middleware.TwoFactorRequiredMiddleware",  # provincial administrators
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "iso_platform.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
    "iso_platform.middleware.NotFoundPageMiddleware",  # DEBUG: the site's 404, not Django's
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "iso_platform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "eiso.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "eiso.wsgi.application"
ASGI_APPLICATION = "eiso.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------- accounts

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id for every new or changed password; PBKDF2 hashes made before are still read and
# upgraded to Argon2 at the next successful sign-in (Django does this by itself).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Django's rules with our own Vietnamese wording (iso_platform/accounts/passwords.py): the
# bundled vi catalogue is machine-like ("Nó phải chứa...") and compares names with diacritics.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "iso_platform.accounts.passwords.UserAttributeSimilarityValidator"},
    {
        "NAME": "iso_platform.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "iso_platform.accounts.passwords.CommonPasswordValidator"},
    {"NAME": "iso_platform.accounts.passwords.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"
# Invitation links (accounts.Invitation): one-time, expiring after this many seconds.
INVITATION_TTL_SECONDS = env.integer("INVITATION_TTL_SECONDS", default=3 * 24 * 3600, minimum=600)
PASSWORD_RESET_TIMEOUT = INVITATION_TTL_SECONDS

# Host-only cookies: a session made on agency A's subdomain is never sent to B's,
# and sessions are stored in each agency's own schema anyway.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_AGE = env.integer("SESSION_COOKIE_AGE", default=8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Besides the absolute limit above (counted from sign-in), a session left idle this long is
# signed out (iso_platform/accounts/middleware.py; activity is recorded at most once a minute).
SESSION_IDLE_MINUTES = env.integer("SESSION_IDLE_MINUTES", default=30, minimum=5, maximum=24 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
# No extra trusted origins: Django accepts a form post whose Origin (or, over HTTPS without an
# Origin, Referer) is the host it was sent to, so each agency's host trusts only itself and the
# console only itself. A wildcard for the agency subdomains would let a page on one agency's
# host post into another's (and into the console) with a visitor's cookies.
CSRF_TRUSTED_ORIGINS: list[str] = []

AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("LOGIN_LOCKOUT_MINUTES", default=15, minimum=1))
# Locked per account and per address. Offices behind one NAT share an address:
# raise LOGIN_FAILURE_LIMIT there rather than dropping the per-address rule.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The sign-in form (and the credentials Django hands axes) call it "username"; axes would look
# for the model's USERNAME_FIELD ("email"), find nothing, and lock per address only.
AXES_USERNAME_FORM_FIELD = "username"
# The lockout counts under the address as normalised for the sign-in itself (lower case, NFKC,
# no surrounding spaces): "THUKY@…" typed after five failures of "thuky@…" is still locked.
AXES_USERNAME_CALLABLE = "iso_platform.accounts.identifiers.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
TRUSTED_PROXY_COUNT = env.integer("TRUSTED_PROXY_COUNT", default=0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "iso_platform.net.client_ip"

# Two-factor sign-in (django-otp, iso_platform/accounts/two_factor.py): required for provincial
# administrators, available to everyone. A wrong code counts as a failed sign-in for axes; the
# devices also slow down repeated wrong codes themselves (1, 2, 4 ... seconds).
OTP_TOTP_ISSUER = "eISO"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Public pages (the citizen survey) are rate-limited per address and per agency: the cache
# keys carry the agency schema. A desk kiosk or a mobile network shares one address, so the
# limit is generous; the survey also has signed form tokens and one answer per application.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "iso_platform.net.client_ip"
# Redis (the cache) down: the survey keeps taking answers; its signed tokens and one answer
# per application still hold.
RATELIMIT_FAIL_OPEN = True
SURVEY_RATE = env.rate("SURVEY_RATE", default="20/h")

# Agencies send their annual report on applying the QMS to the province's Department of
# Science and Technology. When that department runs its own QMS here, its code: it receives
# the reports and does not send one to itself. "none": no agency sends one through eISO.
ANNUAL_REPORT_RECEIVER = env.agency_code("ANNUAL_REPORT_RECEIVER", words=("none",))

# The province's names on its official documents (Decree 30/2020/NĐ-CP): the place name of
# the date line ("An Giang"), the body above the issuing department, the department that
# issues the province's report, its abbreviation in document symbols, and its signer.
# Agencies keep their own names in their settings; an agency's empty place name falls back
# to PROVINCE_NAME.
PROVINCE_NAME = (env.string("PROVINCE_NAME", default="") or "").strip()
PROVINCE_GOVERNING_BODY = env.string(
    "PROVINCE_GOVERNING_BODY", default=f"UBND tỉnh {PROVINCE_NAME}" if PROVINCE_NAME else ""
)
PROVINCE_ISSUER = env.string("PROVINCE_ISSUER", default="Sở Khoa học và Công nghệ")
PROVINCE_ISSUER_ABBREVIATION = env.string("PROVINCE_ISSUER_ABBREVIATION", default="SKHCN")
PROVINCE_SIGNER_AUTHORITY = env.string("PROVINCE_SIGNER_AUTHORITY", default="")
PROVINCE_SIGNER_POSITION = env.string("PROVINCE_SIGNER_POSITION", default="Giám đốc")
PROVINCE_SIGNER_NAME = env.string("PROVINCE_SIGNER_NAME", default="")

# --------------------------------------------------------------------------- security

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", default=31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", default=True)
if env.boolean("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --------------------------------------------------------------------------- i18n

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --------------------------------------------------------------------------- static and media

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "iso_platform" / "static"]
STATIC_ROOT = Path(env.string("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if DEBUG:
    # Development serves static files from the apps (finders); STATIC_ROOT may not exist yet.
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
MEDIA_ROOT = Path(env.string("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))
MEDIA_URL = "/media/"  # never served directly: files go through permission-checking views
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --------------------------------------------------------------------------- e-mail

_email_url = env.secret("EMAIL_URL")
if _email_url is None:
    if REQUIRED:
        raise env.EnvError("EMAIL_URL is required when DEBUG is off (smtp://user:pass@host:587).")
    _email_url = "consolemail://"
env.url(
    "EMAIL_URL",
    _email_url,
    schemes=("smtp", "smtps", "submission", "consolemail", "filemail", "memorymail", "dummymail"),
)
vars().update(django_environ.Env.email_url_config(_email_url))
if _email_url.startswith("filemail://"):  # django-environ drops the leading "/" of the path
    EMAIL_FILE_PATH = _email_url[len("filemail://") :] or str(BASE_DIR / ".data" / "mail")
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", default=f"eISO <no-reply@{BASE_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 10

# --------------------------------------------------------------------------- integrations

# Encrypts the vendors' HMAC secrets at rest. Defaults to a key derived from SECRET_KEY;
# set it separately so that SECRET_KEY can be rotated without re-issuing integration keys.
INTEGRATION_KEYS_SECRET = env.secret("INTEGRATION_KEYS_SECRET") or SECRET_KEY
INTEGRATION_SIGNATURE_WINDOW = env.integer("INTEGRATION_SIGNATURE_WINDOW", default=300, minimum=30)
INTEGRATION_BATCH_MAX = env.integer("INTEGRATION_BATCH_MAX", default=1000, minimum=1, maximum=10000)
# A vendor's clock may run a little ahead; a request dated further ahead would stay
# replayable for longer than the window says (docs/security.md).
INTEGRATION_SIGNATURE_FUTURE_SKEW = env.integer(
    "INTEGRATION_SIGNATURE_FUTURE_SKEW", default=30, minimum=0, maximum=120
)
# Last day (Vietnam time) on which the first signature version (timestamp and body only,
# `sha256=`) is still accepted, so that vendors can move to `v2=` without a gap.
INTEGRATION_SIGNATURE_V1_UNTIL = env.date(
    "INTEGRATION_SIGNATURE_V1_UNTIL", default=date(2027, 6, 30)
)

# --------------------------------------------------------------------------- single sign-on

# The province's OpenID Connect provider (docs/integration.md, "Single sign-on"). With
# SSO_ISSUER set, these variables are the configuration and the console shows it read-only;
# without it, the provincial administrator sets it on the console. Claim names say where the
# provider puts each fact; SSO_MFA_*_VALUES list the `acr` / `amr` values that count as
# eISO's second factor (empty: eISO's own code is still asked after single sign-on).
SSO_ISSUER = env.url("SSO_ISSUER", env.string("SSO_ISSUER"), schemes=("https", "http"))
SSO_CLIENT_ID = env.string("SSO_CLIENT_ID", default="")
SSO_CLIENT_SECRET = env.secret("SSO_CLIENT_SECRET", default="")
if SSO_ISSUER and not (SSO_CLIENT_ID and SSO_CLIENT_SECRET):
    raise env.EnvError(
        "SSO_ISSUER is set: SSO_CLIENT_ID and SSO_CLIENT_SECRET (or SSO_CLIENT_SECRET_FILE) "
        "are required too."
    )
SSO_SCOPES = env.string("SSO_SCOPES", default="openid email profile")
SSO_EMAIL_CLAIM = env.string("SSO_EMAIL_CLAIM", default="email")
SSO_AGENCY_CLAIM = env.string("SSO_AGENCY_CLAIM", default="agency")
SSO_NAME_CLAIM = env.string("SSO_NAME_CLAIM", default="name")
SSO_ROLES_CLAIM = env.string("SSO_ROLES_CLAIM", default="")
SSO_MFA_ACR_VALUES = env.string("SSO_MFA_ACR_VALUES", default="")
SSO_MFA_AMR_VALUES = env.string("SSO_MFA_AMR_VALUES", default="")
# Encrypts the client secret typed on the console (Fernet); outside the database, so a
# copy of the database alone does not give the secret away.
SSO_SECRET_KEY = env.secret("SSO_SECRET_KEY") or INTEGRATION_KEYS_SECRET
# How long the provider's discovery document and keys are kept (seconds).
SSO_METADATA_CACHE_SECONDS = env.integer(
    "SSO_METADATA_CACHE_SECONDS", default=600, minimum=0, maximum=86400
)

# --------------------------------------------------------------------------- outbound HTTP

# Requests to addresses that users or agencies configure (pull connectors; later webhooks
# and identity providers) go through iso_platform/outbound.py: public addresses on ports
# 80 and 443 only, unless the operator names an internal host (a province's integration
# gateway) or another port here.
OUTBOUND_ALLOWED_HOSTS = env.hosts("OUTBOUND_ALLOWED_HOSTS")
OUTBOUND_ALLOWED_PORTS = env.ports("OUTBOUND_ALLOWED_PORTS")
OUTBOUND_TIMEOUT_SECONDS = env.integer(
    "OUTBOUND_TIMEOUT_SECONDS", default=10, minimum=1, maximum=120
)
OUTBOUND_MAX_BYTES = env.integer(
    "OUTBOUND_MAX_BYTES", default=5 * 1024 * 1024, minimum=1024, maximum=100 * 1024 * 1024
)

# --------------------------------------------------------------------------- digital signatures

# Encrypts the agencies' PKCS#12 key files at rest (iso_platform/signing/keys.py): Fernet keys,
# comma-separated, the first encrypts and all decrypt (rotation). Not derived from SECRET_KEY
# and never in the database, so a database dump alone opens no signing key. Required in
# production (`manage.py check --deploy`, signing.E001); under DEBUG a key generated once into
# .data/ stands in.
SIGNING_KEYS_SECRET = env.fernet_keys("SIGNING_KEYS_SECRET")
SIGNING_DEV_KEY_FILE = (
    str(BASE_DIR / ".data" / "signing-keys.secret") if DEBUG and not SIGNING_KEYS_SECRET else ""
)
# The largest PDF whose signatures eISO verifies (an upload from outside), in MB.
SIGNING_VERIFY_MAX_MB = env.integer("SIGNING_VERIFY_MAX_MB", default=50, minimum=1, maximum=500)
# Checks of signed PDFs through the agency API, per person: each may fetch CRLs and OCSP.
SIGNING_VERIFY_RATE = env.rate("SIGNING_VERIFY_RATE", default="30/m")
# The PKCS#11 drivers (USB tokens, HSMs) people may choose for their signing key: the module
# is a shared library eISO loads into its own process, so only the operator's list is offered.
SIGNING_PKCS11_MODULES = env.absolute_paths("SIGNING_PKCS11_MODULES")
# The largest signature or seal image (PNG) a person or agency uploads, in KB.
SIGNING_IMAGE_MAX_KB = env.integer("SIGNING_IMAGE_MAX_KB", default=512, minimum=16, maximum=4096)
# --------------------------------------------------------------------------- webhooks

# Delays between the attempts of an outgoing event (seconds): 5 s, 5 min, 30 min, 2 h, 5 h,
# 10 h, 10 h: about a day in all, then the delivery fails and the subscription is switched off.
WEBHOOK_RETRY_SCHEDULE = env.seconds_list(
    "WEBHOOK_RETRY_SCHEDULE", default=(5, 300, 1800, 7200, 18000, 36000, 36000)
)

# Document exchange (edXML, docs/integration.md "Document exchange (edXML)"): the largest
# package read (MB, attachments included, base64 counted), and the delays between attempts
# to hand an outgoing package to the province's platform. After the last delay the attempts
# go on at that interval: a package is never dropped.
EXCHANGE_PACKAGE_MAX_MB = env.integer("EXCHANGE_PACKAGE_MAX_MB", default=10, minimum=1, maximum=500)
EXCHANGE_RETRY_SCHEDULE = env.seconds_list(
    "EXCHANGE_RETRY_SCHEDULE", default=(10, 60, 300, 1800, 3600)
)
# "Kiểm tra kết nối" on the console, per administrator: each check asks the platform for a
# token and makes one request, each up to OUTBOUND_TIMEOUT_SECONDS.
EXCHANGE_CHECK_RATE = env.rate("EXCHANGE_CHECK_RATE", default="10/10m")

# Requests per data key to the province's read API (/api/province/v1/): `count/period`,
# period in s, m, h or d, optionally with a number (`600/10m`).
PROVINCE_DATA_API_RATE = env.rate("PROVINCE_DATA_API_RATE", default="120/m")

# --------------------------------------------------------------------------- REST API

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "iso_platform.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    # JSON with a nesting and size limit and Vietnamese messages (iso_platform/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "iso_platform.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Query parameters are checked by each list's filter set: a bad one is a 400.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "iso_platform.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "eISO API",
    "DESCRIPTION": "REST API of the eISO platform (province console and agency portals).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "tenants.models.AgencyKind",
        "SignatureCheckEnum": "quality.documents.models.SignatureCheck",
        "AgencyStatusEnum": "tenants.models.AgencyStatus",
        "JobStatusEnum": "tenants.models.JobStatus",
        "RoleEnum": "iso_platform.accounts.models.Role",
        "DocTypeEnum": "quality.documents.models.DocType",
        "DocumentStatusEnum": "quality.documents.models.DocumentStatus",
        "RevisionStatusEnum": "quality.documents.models.RevisionStatus",
        "ChangeRequestStatusEnum": "quality.documents.models.ChangeRequestStatus",
        "LegalStatusEnum": "quality.documents.models.LegalStatus",
        "DisposalMethodEnum": "quality.documents.models.DisposalMethod",
        "NcStatusEnum": "quality.improvement.models.NcStatus",
        "RootCauseMethodEnum": "quality.improvement.models.RootCauseMethod",
        "ActionKindEnum": "quality.improvement.models.ActionKind",
        "ActionStatusEnum": "quality.improvement.models.ActionStatus",
        "IssueKindEnum": "quality.risks.models.IssueKind",
        "RiskKindEnum": "quality.risks.models.RiskKind",
        "RiskStatusEnum": "quality.risks.models.RiskStatus",
        "ObjectiveMethodEnum": "quality.objectives.models.Method",
        "AuditPlanStatusEnum": "quality.audits.models.PlanStatus",
        "ReviewStatusEnum": "quality.reviews.models.ReviewStatus",
        "AnnualReportStatusEnum": "quality.reviews.models.AnnualReportStatus",
        "PayerEnum": "billing.models.Payer",
        "SubscriptionStatusEnum": "billing.models.SubscriptionStatus",
        "InvoiceKindEnum": "billing.models.InvoiceKind",
        "InvoiceStatusEnum": "billing.models.InvoiceStatus",
        "InvoiceLineKindEnum": "billing.models.LineKind",
        "SessionKindEnum": "quality.competence.models.SessionKind",
    },
}

# --------------------------------------------------------------------------- Celery

CELERY_BROKER_URL = _celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = _celery_url(REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis down or hung: a request that queues a task gives up within about a second instead of
# waiting on the broker (the task waits in the outbox, or beat re-queues what it was for;
# docs/operations.md, "Faults").
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# A message taken by a worker that died comes back after this long: keep it above the
# longest task and the longest countdown. Workers look for such messages every 100 s
# (kombu's default), every second when the timeout is short (tests).
CELERY_VISIBILITY_TIMEOUT = env.integer("CELERY_VISIBILITY_TIMEOUT", default=3600, minimum=1)
_unacked_sweep = 1 if CELERY_VISIBILITY_TIMEOUT < 600 else 10
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": _unacked_sweep,
    "unacked_restore_throttle": _unacked_sweep,
    "socket_timeout": 2,  # above kombu's 1 s BRPOP
    "socket_connect_timeout": 1,
}
# Time and memory bounds of the work itself (docs/configuration.md, docs/security.md): a task
# past its soft limit gets SoftTimeLimitExceeded (and can say why it stopped), past the hard
# limit its child process is killed; a child that grew past the memory bound is replaced
# after its task. The long limits are for the few tasks that build or move whole agencies.
CELERY_TASK_SOFT_TIME_LIMIT = env.integer(
    "CELERY_TASK_SOFT_TIME_LIMIT", default=600, minimum=1, maximum=86_400
)
CELERY_TASK_TIME_LIMIT = env.integer("CELERY_TASK_TIME_LIMIT", default=660, minimum=2)
CELERY_LONG_TASK_SOFT_TIME_LIMIT = env.integer(
    "CELERY_LONG_TASK_SOFT_TIME_LIMIT", default=3_240, minimum=1, maximum=86_400
)
CELERY_LONG_TASK_TIME_LIMIT = env.integer("CELERY_LONG_TASK_TIME_LIMIT", default=3_300, minimum=2)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise env.EnvError(
        f"CELERY_TASK_TIME_LIMIT={CELERY_TASK_TIME_LIMIT} must be above "
        f"CELERY_TASK_SOFT_TIME_LIMIT={CELERY_TASK_SOFT_TIME_LIMIT}."
    )
if CELERY_LONG_TASK_TIME_LIMIT <= CELERY_LONG_TASK_SOFT_TIME_LIMIT:
    raise env.EnvError(
        f"CELERY_LONG_TASK_TIME_LIMIT={CELERY_LONG_TASK_TIME_LIMIT} must be above "
        f"CELERY_LONG_TASK_SOFT_TIME_LIMIT={CELERY_LONG_TASK_SOFT_TIME_LIMIT}."
    )
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 1024 * env.integer(  # Celery counts kilobytes
    "CELERY_WORKER_MAX_MEMORY_MB", default=512, minimum=64, maximum=65_536
)
# Untrusted files (iso_platform/untrusted.py): wall time of one parse, in a request or a task;
# the largest agency archive (expanded) an import or a restore accepts.
UNTRUSTED_PARSE_SECONDS = env.integer("UNTRUSTED_PARSE_SECONDS", default=30, minimum=1, maximum=600)
AGENCY_ARCHIVE_MAX_GB = env.integer("AGENCY_ARCHIVE_MAX_GB", default=20, minimum=1, maximum=10_000)
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
# Beat's safety nets re-queue, this often, whatever a lost message or a broker outage left
# behind: outbox, inbox events, provisioning jobs, rollouts, operations, statistics, pool.
RECOVERY_SECONDS = float(env.integer("RECOVERY_SECONDS", default=60, minimum=1, maximum=3600))
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {"task": "outbox.relay", "schedule": RECOVERY_SECONDS},
    "refill-agency-pool": {"task": "tenants.pool_refill", "schedule": RECOVERY_SECONDS},
    "resume-provisioning-jobs": {
        "task": "tenants.provisioning_jobs_resume",
        "schedule": RECOVERY_SECONDS,
    },
    "resume-rollouts": {"task": "onboarding.rollout_resume", "schedule": RECOVERY_SECONDS},
    "integrations-apply": {"task": "integrations.apply_all", "schedule": RECOVERY_SECONDS},
    "integrations-pull": {"task": "integrations.pull_all", "schedule": 300.0},
    "integrations-overdue": {"task": "integrations.overdue_all", "schedule": 900.0},
    "integrations-webhooks-requeue": {
        "task": "integrations.webhooks_requeue_all",
        "schedule": 300.0,
    },
    "integrations-exchange-sweep": {
        "task": "integrations.exchange_sweep_all",
        "schedule": 120.0,
    },  # outgoing packages still to hand over, status messages waiting on the platform
    "integrations-rejected-prune": {
        "task": "integrations.rejected_prune_all",
        "schedule": crontab(hour=3, minute=40),
    },  # Asia/Ho_Chi_Minh: refused-request counters past their retention
    "applications-statistics-nightly": {
        "task": "integrations.stats_reconcile_all",
        "schedule": crontab(hour=1, minute=30),
    },
    "resume-lifecycle-operations": {
        "task": "tenants.lifecycle_operations_resume",
        "schedule": RECOVERY_SECONDS,
    },
    "document-reminders": {
        "task": "documents.reminders_all",
        "schedule": crontab(hour=7, minute=0),
    },  # Asia/Ho_Chi_Minh
    "improvement-reminders": {
        "task": "improvement.reminders_all",
        "schedule": crontab(hour=7, minute=10),
    },
    "competence-reminders": {
        "task": "competence.reminders_all",
        "schedule": crontab(hour=7, minute=20),
    },  # qualifications about to expire
    "onboarding-checklist-refresh": {
        "task": "onboarding.checklist_refresh_all",
        "schedule": crontab(minute=20),
    },  # hourly: the console's onboarding progress follows writes of other apps
    "insights-refresh-dirty": {"task": "insights.refresh_dirty", "schedule": RECOVERY_SECONDS},
    "insights-reconcile-nightly": {
        "task": "insights.reconcile_all",
        "schedule": crontab(hour=2, minute=0),
    },  # Asia/Ho_Chi_Minh: every agency's figures recomputed, whatever the signals missed
    "evaluation-snapshots": {
        "task": "evaluation.snapshots_refresh",
        "schedule": crontab(hour=3, minute=0),
    },  # Asia/Ho_Chi_Minh: after the nightly statistics, the weekly adoption figures
    "billing-meter": {"task": "billing.meter_all", "schedule": crontab(hour=0, minute=30)},
    "billing-invoices": {
        "task": "billing.invoices_issue",
        "schedule": crontab(day_of_month=1, hour=1, minute=0),
    },  # Asia/Ho_Chi_Minh: the previous month's invoices; a re-run issues nothing twice
    "billing-overdue": {
        "task": "billing.invoices_mark_overdue",
        "schedule": crontab(hour=1, minute=15),
    },
    "billing-pilot-ends": {"task": "billing.pilot_ends", "schedule": crontab(hour=0, minute=45)},
    "billing-dunning": {
        "task": "billing.dunning",
        "schedule": crontab(hour=1, minute=20),
    },  # reminders, past due, read-only after BILLING_GRACE_DAYS; a payment restores at once
}
# Billing (billing/README.md): days an overdue invoice is tolerated before the agency turns
# read-only, days between reminders, the soft-limit warning threshold (%).
BILLING_GRACE_DAYS = env.integer("BILLING_GRACE_DAYS", default=15, minimum=0, maximum=365)
BILLING_REMINDER_EVERY_DAYS = env.integer(
    "BILLING_REMINDER_EVERY_DAYS", default=7, minimum=1, maximum=90
)
BILLING_SOFT_LIMIT_PERCENT = env.integer(
    "BILLING_SOFT_LIMIT_PERCENT", default=80, minimum=1, maximum=100
)
# The seller printed on every invoice (billing/pdf.py). Optional at start-up, so that a
# platform without billing starts; the invoice run refuses while one is missing and
# `manage.py check` warns (billing/checks.py).
BILLING_SELLER = {
    "name": env.string("BILLING_SELLER_NAME", default="Đơn vị vận hành nền tảng eISO"),
    "tax_code": env.tax_code("BILLING_SELLER_TAX_CODE"),
    "address": env.string("BILLING_SELLER_ADDRESS", default=""),
    "bank_account": env.string("BILLING_SELLER_BANK_ACCOUNT", default=""),
}
# Writes in an agency refresh its statistics this many seconds later (one task per window).
INSIGHTS_DEBOUNCE_SECONDS = env.integer(
    "INSIGHTS_DEBOUNCE_SECONDS", default=20, minimum=1, maximum=50
)
CELERY_BEAT_SCHEDULE_FILENAME = env.string(
    "CELERY_BEAT_SCHEDULE_FILE", default=str(BASE_DIR / ".data" / "celerybeat-schedule")
)

# --------------------------------------------------------------------------- logging and Sentry

LOG_LEVEL = env.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "iso_platform.logging_context.ContextFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s [%(schema)s %(request_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": "plain"},
        # ERROR+ records counted per agency schema and hour in Redis (the health page).
        "tenant_errors": {
            "class": "insights.health.error_counter.TenantErrorCounter",
            "level": "ERROR",
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["console", "tenant_errors"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # pyHanko subsets the signature font: one line a table
    },
}

# --------------------------------------------------------------------------- metrics

# Bearer token of the Prometheus endpoint /metrics on the console host; unset: /metrics is 404.
METRICS_TOKEN = env.secret("METRICS_TOKEN")
if METRICS_TOKEN is not None and len(METRICS_TOKEN) < 16:
    raise env.EnvError(
        "METRICS_TOKEN must be at least 16 characters long "
        "(python -c 'import secrets; print(secrets.token_urlsafe(32))')."
    )
# Read by prometheus_client itself: gunicorn workers write their counters there.
PROMETHEUS_MULTIPROC_DIR = env.string("PROMETHEUS_MULTIPROC_DIR")
if PROMETHEUS_MULTIPROC_DIR is not None and not Path(PROMETHEUS_MULTIPROC_DIR).is_dir():
    raise env.EnvError(
        f"PROMETHEUS_MULTIPROC_DIR={PROMETHEUS_MULTIPROC_DIR!r} is not a directory: "
        "create it (empty) before starting gunicorn."
    )

SENTRY_DSN = env.url("SENTRY_DSN", env.secret("SENTRY_DSN"), schemes=("https", "http"))
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_pii = env.boolean("SENTRY_SEND_PII", default=False)
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.string("SENTRY_ENVIRONMENT", default="production"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=sentry_pii,
        event_scrubber=sentry_scrubber(send_default_pii=sentry_pii),
        traces_sample_rate=float(
            env.integer("SENTRY_TRACES_PERCENT", default=0, minimum=0, maximum=100)
        )
        / 100,
        before_send=sentry_before_send,
    )
