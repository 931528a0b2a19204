#!/usr/bin/env python
"""Django's command-line utility for eISO."""

import os
import sys

# Commands that only read the code (models, templates, catalogues): they run on a bare
# checkout, a CI runner or a developer's shell without the deployment's secrets and
# services. Everything else keeps the strict production settings.
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages", "collectstatic"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iso_platform.settings")
    if sys.argv[1:2] and sys.argv[1] in CODE_ONLY_COMMANDS:
        os.environ.setdefault("EISO_CODE_ONLY", "true")
    from django.core.management import execute_from_command_line

    from iso_platform.env import EnvError

    try:
        execute_from_command_line(sys.argv)
    except EnvError as exc:
        # A bad setting: one clear line, not a traceback.
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
