#!/usr/bin/env python
"""Django's command-line utility for eISO."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iso_platform.settings")
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
