"""Write constraints.txt from the virtualenv it runs in (`make lock` runs it in a scratch one).

`pip freeze` pins what this interpreter installed. A dependency whose marker is false here but
true on the image's interpreter (Debian 12's Python 3.11.2: redis needs async-timeout below
3.11.3) would be missing, and the image would install whatever version the registry had; such
packages are resolved for the image and pinned under their marker.

    python scripts/lock.py --image-python 3.11.2 > constraints.txt
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import json
import subprocess
import sys

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

HEADER = """\
# Exact versions of every dependency (runtime, embedded services and tests), written by
# `make lock` (scripts/lock.py) from pyproject.toml; `make install` and the image install
# with -c constraints.txt. Lines with a marker pin what only another interpreter needs."""


def frozen() -> list[str]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "freeze",
            "--exclude-editable",
            "--disable-pip-version-check",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line for line in out.splitlines() if line and not line.startswith("#")]


def elsewhere(image_env: dict) -> dict[str, Requirement]:
    """Requirements of installed distributions that only the image's interpreter needs."""
    here = default_environment()
    found: dict[str, Requirement] = {}
    installed = {canonicalize_name(d.metadata["Name"]) for d in metadata.distributions()}
    for dist in metadata.distributions():
        for text in dist.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            name = canonicalize_name(requirement.name)
            if marker is None or name in installed:
                continue
            # Extras are not followed: the lock venv installed every extra the project uses.
            if marker.evaluate(here | {"extra": ""}) or not marker.evaluate(
                image_env | {"extra": ""}
            ):
                continue
            found.setdefault(name, requirement)
    return found


def resolved(requirement: Requirement) -> str:
    """The version pip would install for the requirement (binary wheels, as the image)."""
    spec = f"{requirement.name}{requirement.specifier}"
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--no-deps",
            "--ignore-installed",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--report",
            "-",
            spec,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(report)["install"][0]["metadata"]["version"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image-python", default="3.11.2", help="the image's interpreter")
    args = parser.parse_args()
    major_minor = ".".join(args.image_python.split(".")[:2])
    image_env = default_environment() | {
        "python_full_version": args.image_python,
        "python_version": major_minor,
    }
    lines = [HEADER, *frozen()]
    for requirement in sorted(elsewhere(image_env).values(), key=lambda r: r.name.lower()):
        lines.append(f"{requirement.name}=={resolved(requirement)} ; {requirement.marker}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
