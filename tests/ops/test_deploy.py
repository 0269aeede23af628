"""The files an operator deploys with: the Dockerfile, docker-compose.yml and deploy/k8s.

Images cannot be built or pulled here, so each file is checked the way its tool would read it:
the compose file against the Compose Specification's JSON schema (vendored in check-jsonschema),
the manifests against Kubernetes' own schemas (kubernetes-validate, offline, strict: an unknown
field fails), the Dockerfile by its instructions. Then what we rely on in each.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from check_jsonschema.builtin_schemas import get_builtin_schema
from django.conf import settings
from jsonschema.validators import validator_for

ROOT = Path(settings.BASE_DIR)
K8S = ROOT / "deploy" / "k8s"
K8S_VERSION = "1.30.0"
SECRET_WORDS = re.compile(r"(SECRET|PASSWORD|TOKEN|_KEY)\b", re.IGNORECASE)


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


def test_the_image_is_slim_python_311_and_runs_as_a_non_root_user():
    steps = dockerfile()
    bases = [args.split()[0] for word, args in steps if word == "FROM"]
    assert bases and all(re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", b) for b in bases)
    final = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    users = [args for word, args in steps[final:] if word == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    # The user is created in the image, and nothing runs as root after the switch.
    assert any(word == "RUN" and "useradd" in args and users[-1] in args for word, args in steps)


def test_the_image_serves_gunicorn_collects_static_files_and_checks_health():
    steps = dockerfile()
    cmd = json.loads(next(args for word, args in reversed(steps) if word == "CMD"))
    assert cmd[:2] == ["gunicorn", "shop.wsgi:application"]
    assert cmd[cmd.index("--config") + 1] == "deploy/gunicorn.conf.py"
    assert (ROOT / "deploy" / "gunicorn.conf.py").exists()
    runs = " ".join(args for word, args in steps if word == "RUN")
    assert "manage.py collectstatic --noinput" in runs
    # Without the metrics directory: any value of it makes prometheus_client write files.
    assert "env -u PROMETHEUS_MULTIPROC_DIR" in runs
    healthcheck = next(args for word, args in steps if word == "HEALTHCHECK")
    assert "/health/live" in healthcheck
    env = " ".join(args for word, args in steps if word == "ENV")
    assert "DEBUG=0" in env


def test_the_image_holds_no_secret_and_ships_no_local_files():
    for word, args in dockerfile():
        if word in ("ENV", "ARG", "LABEL"):
            for pair in shlex.split(args):
                name = pair.partition("=")[0]
                assert not SECRET_WORDS.search(name), f"{word} {pair}: set it at run time"
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv*", "**/__pycache__", "var", "media", "*.env", ".env*"):
        assert entry in ignored


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_compose_file_follows_the_compose_specification():
    schema = get_builtin_schema("vendor.compose-spec")
    validator = validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    # The check can fail: an unknown key is refused.
    broken = compose()
    broken["services"]["web"]["healtcheck"] = {}
    assert list(validator.iter_errors(broken))


def test_compose_runs_the_whole_shop_with_healthchecks():
    services = compose()["services"]
    expected = {"postgres", "redis", "rabbitmq", "elasticsearch", "web", "worker", "beat"}
    assert expected <= set(services)
    for name in expected - {"beat"}:
        assert "test" in services[name]["healthcheck"], name
    for name in ("web", "worker", "beat"):
        service = services[name]
        env = service["environment"]
        for variable in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY"):
            assert variable in env, (name, variable)
        # The secret key comes from the operator: compose refuses to start without it.
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        for backing in ("postgres", "redis", "rabbitmq"):
            assert service["depends_on"][backing]["condition"] == "service_healthy"
    assert services["worker"]["command"][:4] == ["celery", "-A", "shop", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "shop", "beat"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]


def manifests() -> dict[tuple[str, str], dict]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            found[(document["kind"], document["metadata"]["name"])] = document
    return found


@pytest.mark.parametrize("path", sorted(p.name for p in K8S.glob("*.yaml")))
def test_each_manifest_is_valid_for_kubernetes(path):
    if path == "kustomization.yaml":
        listed = yaml.safe_load((K8S / path).read_text())["resources"]
        others = {p.name for p in K8S.glob("*.yaml")} - {path}
        assert sorted(listed) == sorted(others)
        return
    for document in yaml.safe_load_all((K8S / path).read_text()):
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)


def test_the_validator_refuses_a_broken_manifest():
    web = manifests()[("Deployment", "shop-web")]
    web["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, K8S_VERSION, strict=True)


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def test_web_and_worker_are_probed_on_health_ready_and_live():
    found = manifests()
    for name in ("shop-web", "shop-worker"):
        container = _container(found[("Deployment", name)])
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live", name
        assert {"configMapRef": {"name": "shop-config"}} in container["envFrom"]
        assert {"secretRef": {"name": "shop-secrets"}} in container["envFrom"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        pod = found[("Deployment", name)]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
    worker = _container(found[("Deployment", "shop-worker")])
    assert worker["args"][:4] == ["celery", "-A", "shop", "worker"]
    # The worker's probes are answered on WORKER_HTTP_BIND (shop/worker_http.py).
    port = found[("ConfigMap", "shop-config")]["data"]["WORKER_HTTP_BIND"].rpartition(":")[2]
    assert worker["ports"] == [{"name": "http", "containerPort": int(port)}]


def test_beat_runs_exactly_once_and_is_never_overlapped():
    found = manifests()
    beat = found[("Deployment", "shop-beat")]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert _container(beat)["args"][:4] == ["celery", "-A", "shop", "beat"]
    scaled = {hpa["spec"]["scaleTargetRef"]["name"] for (kind, _), hpa in found.items()
              if kind == "HorizontalPodAutoscaler"}  # fmt: skip
    assert scaled == {"shop-web"}


def test_the_service_selects_the_web_pods_and_migrations_run_as_a_job():
    found = manifests()
    service = found[("Service", "shop-web")]
    web = found[("Deployment", "shop-web")]
    assert (
        service["spec"]["selector"].items() <= web["spec"]["template"]["metadata"]["labels"].items()
    )
    port = service["spec"]["ports"][0]["targetPort"]
    assert port in {p["name"] for p in _container(web)["ports"]}
    job = found[("Job", "shop-migrate")]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "python", "manage.py", "migrate", "--noinput",
    ]  # fmt: skip


def test_settings_names_in_the_config_map_are_real_settings():
    # A typo in a variable name would be silently ignored by the app.
    readme = (ROOT / "README.md").read_text()
    data = manifests()[("ConfigMap", "shop-config")]["data"]
    secret = manifests()[("Secret", "shop-secrets")]["stringData"]
    for name in [*data, *secret]:
        assert re.search(rf"`{name}[`=]", readme), f"{name} is not documented in the README"


def test_the_entrypoint_starts_each_process_with_an_empty_metrics_directory(tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_123.db").write_bytes(b"counts of the previous run")
    result = subprocess.run(
        ["/bin/sh", str(ROOT / "deploy" / "entrypoint.sh"), "sh", "-c", "ls -A \"$0\"; echo ran",
         str(metrics_dir)],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert result.stdout.split() == ["ran"]
    assert metrics_dir.is_dir()
    steps = dockerfile()
    entrypoint = json.loads(next(args for word, args in steps if word == "ENTRYPOINT"))
    assert entrypoint == ["/bin/sh", "/app/deploy/entrypoint.sh"]
