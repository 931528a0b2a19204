"""constraints.txt pins every dependency: `make install` and the image install exactly the
versions the suite passed with, and a dependency added to pyproject.toml without `make lock`
fails here instead of floating to whatever the registry has on the next machine."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from deploy.image_test import lock_pins

ROOT = Path(__file__).resolve().parents[2]


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = list(project["dependencies"])
    for group in project["optional-dependencies"].values():
        texts += group
    return [Requirement(text) for text in texts]


def test_every_declared_dependency_is_pinned_at_a_version_it_allows():
    pins = lock_pins(ROOT / "constraints.txt")
    problems = []
    for requirement in _declared():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name}: not in constraints.txt")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name}=={pinned} does not satisfy {requirement}")
    assert not problems, "run `make lock`: " + "; ".join(problems)


def test_the_virtualenv_runs_the_pinned_versions():
    """`make install` passes -c constraints.txt: what the suite runs on is what is pinned."""
    pins = lock_pins(ROOT / "constraints.txt")
    differ = []
    for name, version in pins.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            differ.append(f"{name}: not installed")
            continue
        if installed != version:
            differ.append(f"{name} {installed} (pinned {version})")
    assert not differ, "run `make install`: " + "; ".join(differ)


def test_the_pins_are_read_by_canonical_name(tmp_path):
    lock = tmp_path / "constraints.txt"
    lock.write_text("# header\nDjango==5.2.20\nzope.interface==7.0  # why\n\n")
    assert lock_pins(lock) == {"django": "5.2.20", "zope-interface": "7.0"}


def test_a_pin_with_a_marker_counts_only_where_it_holds(tmp_path):
    lock = tmp_path / "constraints.txt"
    lock.write_text('async-timeout==5.0.1 ; python_full_version < "3.11.3"\n')
    debian = default_environment() | {"python_full_version": "3.11.2"}
    newer = default_environment() | {"python_full_version": "3.11.7"}
    assert lock_pins(lock, debian) == {"async-timeout": "5.0.1"}
    assert lock_pins(lock, newer) == {}


def test_what_only_the_images_interpreter_needs_is_pinned_too():
    """The image runs Debian 12's Python 3.11.2, where redis also needs async-timeout: every
    requirement of an installed package that holds there must be pinned for it."""
    image = default_environment() | {"python_full_version": "3.11.2", "python_version": "3.11"}
    pins = lock_pins(ROOT / "constraints.txt", image)
    missing = set()
    for dist in importlib.metadata.distributions():
        for text in dist.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or not marker.evaluate(image | {"extra": ""}):
                continue
            if canonicalize_name(requirement.name) not in pins:
                missing.add(f"{requirement.name} (for {dist.metadata['Name']})")
    assert not missing, "run `make lock`: " + ", ".join(sorted(missing))
