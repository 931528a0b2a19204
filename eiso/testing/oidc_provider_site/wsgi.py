import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eiso.testing.oidc_provider_site.settings")
application = get_wsgi_application()
