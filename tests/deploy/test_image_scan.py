"""The checks of deploy/image_test.py that read an image's layers and distributions, on
layers and metadata made here: what they must find, and what they must let through."""

from __future__ import annotations

import importlib.util
import io
import sys
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("image_test", ROOT / "deploy" / "image_test.py")
image_test = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("image_test", image_test)  # dataclasses look their module up
_spec.loader.exec_module(image_test)


def _layer(tmp_path: Path, files: dict[str, bytes]) -> Path:
    path = tmp_path / "layer.tar"
    with tarfile.open(path, "w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


def _private_key(kind: str) -> bytes:
    key = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )  # fmt: skip
    form = serialization.PrivateFormat.OpenSSH if kind == "ed25519" else (
        serialization.PrivateFormat.PKCS8
    )  # fmt: skip
    return key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption())


@pytest.mark.parametrize(
    "name",
    [
        "app/.git/config",
        "app/.env",
        "app/deploy/.env.production",
        "app/deploy/certs/fullchain.crt",
        "root/.ssh/id_ed25519",
        "app/tls/server.key",
        "app/.venv/bin/python",
        "app/.data/pg/PG_VERSION",
    ],
)
def test_secrets_and_vcs_metadata_are_found_by_name(tmp_path, name):
    assert image_test.layer_secrets(_layer(tmp_path, {name: b"x"})) == [name]


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_a_private_key_is_found_by_content_whatever_the_file_is_called(tmp_path, kind):
    layer = _layer(tmp_path, {"app/eiso/static/logo.txt": b"x\n" + _private_key(kind)})
    assert image_test.layer_secrets(layer) == ["app/eiso/static/logo.txt (a private key)"]


def test_what_an_image_legitimately_holds_passes(tmp_path):
    layer = _layer(
        tmp_path,
        {
            # cryptography spells the marker without a key; certificates are public.
            "opt/venv/lib/python3.11/site-packages/cryptography/ssh.py": (
                b'_SK_START = b"-----BEGIN OPENSSH PRIVATE KEY-----"\n'
            ),
            "etc/ssl/certs/ca-certificates.crt": b"-----BEGIN CERTIFICATE-----\nMIIB\n",
            "opt/venv/lib/python3.11/site-packages/certifi/cacert.pem": b"-----BEGIN CERT",
            "app/eiso/settings.py": b'SECRET_KEY = env.secret("SECRET_KEY")\n',
            "app/.dockerignore.txt": b"",
            "usr/share/doc/git-man/copyright": b"",
        },
    )
    # A *.pem name alone is no secret (the CA bundles): only its content says.
    assert image_test.layer_secrets(layer) == []


@pytest.mark.parametrize(
    "name",
    [
        "usr/bin/gcc",
        "usr/bin/gcc-12",
        "usr/bin/x86_64-linux-gnu-gcc-12",
        "usr/bin/make",
        "usr/bin/cc",
        "usr/bin/ld",
        "usr/lib/gcc/x86_64-linux-gnu/12/cc1",
        "usr/local/bin/clang-16",
    ],
)
def test_build_tools_are_recognised(name):
    assert image_test.BUILD_TOOLS.match(name)


@pytest.mark.parametrize(
    "name",
    ["usr/lib/x86_64-linux-gnu/libgcc_s.so.1", "usr/bin/make-first-existing-target-x",
     "usr/bin/ldd", "opt/venv/bin/gunicorn", "usr/share/doc/gcc-12-base/copyright"],
)  # fmt: skip
def test_runtime_files_are_not_build_tools(name):
    assert not image_test.BUILD_TOOLS.match(name)


ENVIRONMENT = {
    "python_version": "3.11",
    "python_full_version": "3.11.2",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


def _closure(roots, installed):
    return image_test.dependency_closure(
        [Requirement(text) for text in roots], installed, ENVIRONMENT
    )


def test_the_closure_follows_extras_and_markers():
    installed = {
        "psycopg": (
            "3.3.9",
            ['psycopg-binary==3.3.9; extra == "binary"', 'pytest; extra == "test"'],
        ),
        "psycopg-binary": ("3.3.9", []),
        "celery": ("5.7.0", ["kombu>=5.6", 'colorama; sys_platform == "win32"']),
        "kombu": ("5.7.0", ["tzdata>=2025.2; python_version >= '3.13'"]),
    }
    needed, problems = _closure(["psycopg[binary]>=3.2", "celery>=5.5"], installed)
    assert needed == {"psycopg", "psycopg-binary", "celery", "kombu"}
    assert problems == []


def test_a_version_outside_the_specifier_and_a_missing_dependency_are_reported():
    installed = {"django": ("4.2.1", ["asgiref>=3.8"])}
    needed, problems = _closure(["Django>=5.2,<5.3"], installed)
    assert "asgiref" in needed  # needed but not installed: the caller reports it missing
    assert problems == ["django 4.2.1 does not satisfy Django<5.3,>=5.2"]
