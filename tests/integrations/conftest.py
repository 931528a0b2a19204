from eiso.testing.oidc_provider import oidc_provider  # noqa: F401 - the session's provider
