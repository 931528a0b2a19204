"""The Helm chart, rendered and linted by the real Helm engine (helm-python-sdk binds Helm's
Go SDK; no binary, no cluster) for the default values and a production-like values file.

What matters in production is asserted on the rendered objects: one beat with Recreate,
the migrations hook, the wildcard host and its certificate, probes with the console's Host
header, nobody running as root on a writable root filesystem, secrets only from Secrets.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

helm = pytest.importorskip("helm_python")

CHART = Path(__file__).resolve().parents[2] / "helm" / "eiso"
PRODUCTION = yaml.safe_load((CHART / "ci" / "production-values.yaml").read_text())
CHART_SECRET = {
    "secrets": {
        "existingSecret": "",
        "values": {
            "SECRET_KEY": "k" * 64,
            "DATABASE_URL": "postgresql://eiso:pw@db.internal:5432/eiso",
            "REDIS_URL": "redis://redis.internal:6379/0",
            "EMAIL_URL": "smtp://mail.internal:25",
            "SIGNING_KEYS_SECRET": "s" * 43 + "=",
            "METRICS_TOKEN": "m" * 32,
        },
    }
}
SECRET_KEYS = {
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SENTRY_DSN",
    "METRICS_TOKEN",
    "INTEGRATION_KEYS_SECRET",
    "SIGNING_KEYS_SECRET",
    "SSO_CLIENT_SECRET",
    "SSO_SECRET_KEY",
}
VALUES = {"default": None, "production": PRODUCTION, "chart-secret": CHART_SECRET}


@pytest.fixture(scope="module")
def chart():
    return helm.Chart.load(str(CHART))


def render(chart, values, *, upgrade=False) -> list[dict]:
    chart.validate_schema(values)
    manifests = chart.render(
        copy.deepcopy(values),
        name="eiso",
        namespace="eiso",
        is_install=not upgrade,
        is_upgrade=upgrade,
    )
    return [
        doc
        for path, text in sorted(manifests.items())
        if path.endswith(".yaml")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


def by_kind(docs, kind):
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def pod_specs(docs):
    for doc in docs:
        if doc["kind"] in {"Deployment", "Job"}:
            yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]


@pytest.fixture(scope="module", params=list(VALUES))
def rendered(request, chart):
    return request.param, render(chart, VALUES[request.param])


@pytest.mark.parametrize("name", list(VALUES))
def test_the_chart_lints_clean(name):
    report = helm.lint(str(CHART), copy.deepcopy(VALUES[name]), strict=True, namespace="eiso")
    assert report["errors"] == []
    # Severity 1 is "info" (an icon is recommended); nothing at warning level or above.
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_there_is_exactly_one_beat_replaced_with_recreate(rendered):
    _name, docs = rendered
    deployments = by_kind(docs, "Deployment")
    assert set(deployments) == {"eiso-web", "eiso-worker", "eiso-beat"}
    beat = deployments["eiso-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert "beat" in beat["spec"]["template"]["spec"]["containers"][0]["command"]
    targets = {
        hpa["spec"]["scaleTargetRef"]["name"]
        for hpa in by_kind(docs, "HorizontalPodAutoscaler").values()
    }
    assert "eiso-beat" not in targets


def test_beat_has_no_replicas_setting(chart):
    with pytest.raises(helm.HelmError, match="replicas"):
        chart.validate_schema({"beat": {"replicas": 2}})


def test_migrations_run_as_a_pre_install_and_pre_upgrade_hook(rendered, chart):
    name, docs = rendered
    job = by_kind(docs, "Job")["eiso-migrate"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation"
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:4] == ["python", "manage.py", "migrate_fleet", "--include-public"]
    parallelism = (VALUES[name] or {}).get("migrations", {}).get("parallelism", 4)
    assert f"--parallel={parallelism}" in container["command"]
    deadline = (VALUES[name] or {}).get("migrations", {}).get("activeDeadlineSeconds", 3600)
    assert job["spec"]["activeDeadlineSeconds"] == deadline
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # At pre-install the chart's ordinary objects do not exist yet: everything the job reads
    # is an earlier hook (or a Secret made outside the chart).
    config = by_kind(docs, "ConfigMap")[container["envFrom"][0]["configMapRef"]["name"]]
    assert config["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(config["metadata"]["annotations"]["helm.sh/hook-weight"]) < 0
    secret_name = _secret_volume(job["spec"]["template"]["spec"])["secretName"]
    secrets = by_kind(docs, "Secret")
    if name == "chart-secret":
        assert secrets[secret_name]["metadata"]["annotations"]["helm.sh/hook"].startswith(
            "pre-install"
        )
    else:
        assert secret_name not in secrets  # the operator's own Secret
    # the chart's service account does not exist yet at pre-install: the job names none
    assert "serviceAccountName" not in job["spec"]["template"]["spec"]


def test_the_migration_job_is_rendered_for_upgrades_too(chart):
    docs = render(chart, PRODUCTION, upgrade=True)
    assert "eiso-migrate" in by_kind(docs, "Job")


def test_ingress_serves_the_console_and_every_agency_with_a_wildcard_certificate(rendered):
    name, docs = rendered
    base = (VALUES[name] or {}).get("baseDomain", "iso.example.gov.vn")
    ingress = by_kind(docs, "Ingress")["eiso"]
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    assert hosts == [base, f"*.{base}"]
    for rule in ingress["spec"]["rules"]:
        backend = rule["http"]["paths"][0]["backend"]["service"]
        assert backend == {"name": "eiso", "port": {"name": "http"}}
    (tls,) = ingress["spec"]["tls"]
    assert tls["hosts"] == [base, f"*.{base}"]
    certificate = by_kind(docs, "Certificate")["eiso-wildcard"]
    assert certificate["spec"]["secretName"] == tls["secretName"]
    assert certificate["spec"]["dnsNames"] == [base, f"*.{base}"]
    assert certificate["spec"]["issuerRef"]["kind"] in {"ClusterIssuer", "Issuer"}


def test_an_existing_tls_secret_replaces_cert_manager(chart):
    values = copy.deepcopy(PRODUCTION)
    values["ingress"]["tls"]["existingSecret"] = "wildcard-iso-tinh"
    docs = render(chart, values)
    assert "Certificate" not in {doc["kind"] for doc in docs}
    assert by_kind(docs, "Ingress")["eiso"]["spec"]["tls"][0]["secretName"] == "wildcard-iso-tinh"


def test_probes_call_healthz_and_readyz_with_the_console_host(rendered):
    name, docs = rendered
    base = (VALUES[name] or {}).get("baseDomain", "iso.example.gov.vn")
    web = by_kind(docs, "Deployment")["eiso-web"]["spec"]["template"]["spec"]["containers"][0]
    paths = {
        "startupProbe": "/healthz",
        "readinessProbe": "/readyz",
        "livenessProbe": "/healthz",
    }
    for probe, path in paths.items():
        get = web[probe]["httpGet"]
        assert get["path"] == path
        assert get["port"] == "http"
        assert {"name": "Host", "value": base} in get["httpHeaders"]


def test_no_container_runs_as_root_or_writes_its_root_filesystem(rendered):
    _name, docs = rendered
    specs = list(pod_specs(docs))
    assert len(specs) == 4  # web, worker, beat, migrations
    for name, spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["automountServiceAccountToken"] is False, name
        mounts_by_volume = {}
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, name
            assert context.get("runAsUser", 1) != 0, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert container["resources"]["requests"], name
            mounts_by_volume.update({m["mountPath"]: m["name"] for m in container["volumeMounts"]})
        tmp = {v["name"]: v for v in spec["volumes"]}[mounts_by_volume["/tmp"]]  # noqa: S108
        assert "emptyDir" in tmp, name  # a writable /tmp on a read-only root


def test_every_secret_comes_from_a_secret_as_a_file(rendered):
    name, docs = rendered
    configmaps = by_kind(docs, "ConfigMap")
    for config in configmaps.values():
        assert not SECRET_KEYS & set(config["data"]), config["metadata"]["name"]
    for pod, spec in pod_specs(docs):
        secret_volume = _secret_volume(spec)
        files = {item["path"] for item in secret_volume["items"]}
        required = {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SIGNING_KEYS_SECRET"}
        assert required <= files, pod
        for container in spec["containers"]:
            env = {item["name"]: item for item in container.get("env", [])}
            for key in SECRET_KEYS:
                assert key not in env, f"{pod}: {key} as a plain variable"
            for key in files:
                assert env[f"{key}_FILE"]["value"] == f"/run/secrets/eiso/{key}", pod
            for item in env.values():
                assert "value" in item or "valueFrom" in item
                if "valueFrom" in item:  # nothing secret through a ConfigMap either
                    assert "secretKeyRef" in item["valueFrom"], pod
            mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
            assert mounts["/run/secrets/eiso"]["readOnly"] is True
    if name == "production":
        pods = dict(pod_specs(docs))
        files = {i["path"] for i in _secret_volume(pods["eiso-web"])["items"]}
        assert {"SENTRY_DSN", "METRICS_TOKEN", "INTEGRATION_KEYS_SECRET"} <= files


def test_chart_made_secret_holds_only_the_values_given(chart):
    docs = render(chart, CHART_SECRET)
    secret = by_kind(docs, "Secret")["eiso"]
    assert set(secret["stringData"]) == {
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "SIGNING_KEYS_SECRET",
        "METRICS_TOKEN",
    }
    web = dict(pod_specs(docs))["eiso-web"]
    assert {i["path"] for i in _secret_volume(web)["items"]} == set(secret["stringData"])


@pytest.mark.parametrize("key", ["DATABASE_URL", "SIGNING_KEYS_SECRET"])
def test_a_missing_required_secret_stops_the_install_with_its_name(chart, key):
    values = copy.deepcopy(CHART_SECRET)
    values["secrets"]["values"][key] = ""
    with pytest.raises(helm.HelmError, match=key):
        chart.render(values, name="eiso", namespace="eiso", is_install=True)


def test_web_scales_on_cpu_and_keeps_a_disruption_budget(rendered):
    name, docs = rendered
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    web = hpas["eiso-web"]
    assert web["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert "replicas" not in by_kind(docs, "Deployment")["eiso-web"]["spec"]
    assert ("eiso-worker" in hpas) == (name == "production")
    pdb = by_kind(docs, "PodDisruptionBudget")["eiso-web"]
    assert pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "web"


def test_worker_queues_and_concurrency_come_from_values(chart):
    values = copy.deepcopy(PRODUCTION)
    values["worker"].update({"queues": ["celery", "imports"], "concurrency": 6})
    worker = by_kind(render(chart, values), "Deployment")["eiso-worker"]
    command = worker["spec"]["template"]["spec"]["containers"][0]["command"]
    assert "--queues=celery,imports" in command
    assert "--concurrency=6" in command


def test_network_policy_is_optional_and_admits_only_the_ingress_controller(chart):
    assert "NetworkPolicy" not in {doc["kind"] for doc in render(chart, None)}
    policies = by_kind(render(chart, PRODUCTION), "NetworkPolicy")
    web = policies["eiso-web"]
    selector = web["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]
    assert selector == {"kubernetes.io/metadata.name": "ingress-nginx"}
    assert policies["eiso-internal"]["spec"]["ingress"] == []


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"baseDomain": "https://iso.example.gov.vn"}, "baseDomain"),
        ({"baseDomain": "*.iso.example.gov.vn"}, "baseDomain"),
        ({"config": {"SECRET_KEY": "in-a-configmap"}}, "SECRET_KEY"),
        (
            {"securityContext": {"runAsNonRoot": False, "allowPrivilegeEscalation": False}},
            "runAsNonRoot",
        ),
        ({"worker": {"replicas": 1, "concurrency": 2, "queues": []}}, "queues"),
        (
            {"migrations": {"enabled": True, "parallelism": 0, "activeDeadlineSeconds": 600}},
            "parallelism",
        ),
        ({"web": {"replicas": 2, "workers": 2, "threads": 2, "port": 80, "probes": {}}}, "port"),
        ({"ingress": {"tls": {"certManager": {"issuerKind": "Cluster"}}}}, "issuerKind"),
        ({"webb": {}}, "webb"),
    ],
)
def test_values_schema_refuses_mistakes_with_the_key_named(chart, bad, field):
    with pytest.raises(helm.HelmError, match=field):
        chart.validate_schema(bad)


def test_notes_tell_the_operator_what_to_do_next(chart):
    notes = chart.render(copy.deepcopy(PRODUCTION), name="eiso", namespace="eiso", is_install=True)
    text = next(v for k, v in notes.items() if k.endswith("NOTES.txt"))
    assert "https://iso.tinh.gov.vn/" in text
    assert "*.iso.tinh.gov.vn" in text
    assert "--timeout 90m" in text
    assert "createsuperuser" in text


def _secret_volume(spec) -> dict:
    (volume,) = [v["secret"] for v in spec["volumes"] if "secret" in v]
    return volume
