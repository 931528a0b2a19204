"""A separate Django project: a real OpenID Connect provider (django-oidc-provider) for the
single sign-on tests. Started by eiso/testing/oidc_provider.py in its own process, with its
own SQLite database in a temporary directory; never part of eISO."""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ["OIDC_TEST_DIR"])

SECRET_KEY = "test-provider-only-not-a-secret"  # noqa: S105 - test process on 127.0.0.1
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "eiso.testing.oidc_provider_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA / "provider.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
LOGIN_URL = "/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# eISO's hosts and this one are different names, but the cookies keep their own names anyway.
SESSION_COOKIE_NAME = "provider_session"
CSRF_COOKIE_NAME = "provider_csrf"

SITE_URL = os.environ["OIDC_TEST_SITE_URL"]
OIDC_IDTOKEN_INCLUDE_CLAIMS = True
OIDC_USERINFO = "eiso.testing.oidc_provider_site.hooks.userinfo"
OIDC_IDTOKEN_PROCESSING_HOOK = "eiso.testing.oidc_provider_site.hooks.id_token"
