#!/usr/bin/env python
"""Django's command-line utility for eISO."""

import importlib.util
import os
import sys

# Commands that only read the code (models, templates, catalogues): they run on a bare
# checkout, a CI runner or a developer's shell without the deployment's secrets and
# services. Everything else keeps the strict production settings.
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages", "collectstatic"}
# Any of these says "this is a deployment": settings then stay strict.
DEPLOYMENT_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "DATABASE_URL",
    "DATABASE_URL_FILE",
)


def development_checkout() -> bool:
    """The README's set-up (the `embedded` extra installed) and no deployment variable set:
    the same embedded PostgreSQL and Redis as `make run`. The production image does not
    install the extra, so it never gets here."""
    if any(os.environ.get(name) for name in DEPLOYMENT_VARIABLES):
        return False
    return importlib.util.find_spec("pgserver") is not None


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eiso.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in CODE_ONLY_COMMANDS:
        os.environ.setdefault("EISO_CODE_ONLY", "true")
    elif development_checkout():
        os.environ["DEBUG"] = "true"
        sys.stderr.write(
            "eISO: development settings (DEBUG=true, embedded PostgreSQL and Redis under .data/, "
            "as `make run`); set DEBUG=false and the deployment's variables for production.\n"
        )
    from django.core.management import execute_from_command_line

    from iso_platform.env import EnvError

    try:
        execute_from_command_line(sys.argv)
    except EnvError as exc:
        # A bad setting: one clear line, not a traceback, and what to type instead.
        sys.stderr.write(f"Configuration error: {exc}\n")
        if "when DEBUG is off" in str(exc):
            again = " ".join(["DEBUG=true", sys.executable, *sys.argv])
            sys.stderr.write(
                "For development on this machine (embedded PostgreSQL and Redis), run:\n"
                f"    {again}\n"
                "For a deployment, set the variables in docs/configuration.md.\n"
            )
        sys.exit(2)


if __name__ == "__main__":
    main()
