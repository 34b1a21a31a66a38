"""infra/: Kubernetes manifests against the Kubernetes schemas (offline), KEDA ScaledObjects against the
schema kept in the repo, and the manifests against what the code really does (queues, settings,
metric names, where live ingest listens and where encoders are sent)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

from ingest.live.rtmp_engine import callback_base, control_socket
from shopcast.jobs.registry import QUEUES
from shopcast.live_urls import rtmp_url, srt_url
from shopcast.migrations import upgrade
from shopcast.runtime import build_runtime
from shopcast.settings import Settings
from shopcast.telemetry.queue_metrics import QueueCollector

INFRA = Path(__file__).resolve().parents[2] / "infra"
K8S = INFRA / "k8s"
KUBERNETES_VERSION = "1.30"
ZERO_SCALED = {"subtitles", "render"}

Doc = dict[str, Any]


def _documents() -> list[Doc]:
    docs: list[Doc] = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def _of_kind(kind: str) -> list[Doc]:
    return [doc for doc in _documents() if doc["kind"] == kind]


def _keda_schema() -> Doc:
    schema: Doc = json.loads((K8S / "schemas" / "keda-scaledobject-v1alpha1.json").read_text())
    return schema


def _workers() -> dict[str, Doc]:
    return {
        d["metadata"]["name"]: d
        for d in _of_kind("Deployment")
        if d["metadata"]["labels"]["app.kubernetes.io/component"] == "worker"
    }


def _queues(deployment: Doc) -> set[str]:
    args: list[str] = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    return set(args[args.index("--queues") + 1].split(","))


def _name(doc: Doc) -> str:
    return f"{doc['kind']}-{doc['metadata']['name']}"


def _named(kind: str, name: str) -> Doc:
    return next(doc for doc in _of_kind(kind) if doc["metadata"]["name"] == name)


def _api_pod() -> Doc:
    pod: Doc = _named("Deployment", "shopcast-api")["spec"]["template"]
    return pod


def _api_containers() -> dict[str, Doc]:
    return {c["name"]: c for c in _api_pod()["spec"]["containers"]}


def _config() -> dict[str, str]:
    data: dict[str, str] = _named("ConfigMap", "shopcast-config")["data"]
    return data


def _config_settings() -> Settings:
    """What the pods' processes see of the ConfigMap (the Secret's values are placeholders)."""
    values: dict[str, Any] = {k[len("SHOPCAST_") :].lower(): v for k, v in _config().items()}
    return Settings(**values)


def _mounts(container: Doc) -> dict[str, str]:
    return {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}


def _container_port(target: str | int) -> tuple[str, int, str]:
    """The api pod's container, port and protocol that a Service's targetPort (a name or a number) means."""
    for name, container in _api_containers().items():
        for port in container.get("ports", []):
            if target in (port.get("name"), port["containerPort"]):
                return name, port["containerPort"], port.get("protocol", "TCP")
    raise AssertionError(f"no container of the api pod declares port {target}")


@pytest.mark.parametrize("doc", [d for d in _documents() if d["kind"] != "ScaledObject"], ids=_name)
def test_kubernetes_objects_validate_against_the_kubernetes_schema(doc: Doc) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_validation_catches_a_misspelt_field() -> None:
    broken = copy.deepcopy(_of_kind("Deployment")[0])
    broken["spec"]["template"]["spec"]["terminationGracePeriod"] = 30
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_scaled_objects_validate_against_the_keda_schema() -> None:
    scaled = _of_kind("ScaledObject")
    assert scaled
    for doc in scaled:
        jsonschema.validate(doc, _keda_schema())
    broken = copy.deepcopy(scaled[0])
    broken["spec"]["triggers"][0]["metadata"]["threshold"] = 1  # KEDA wants strings
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _keda_schema())


def test_every_queue_has_a_worker_group_that_keda_scales() -> None:
    workers = _workers()
    assert set().union(*(_queues(d) for d in workers.values())) == set(QUEUES)
    scaled = {d["spec"]["scaleTargetRef"]["name"]: d for d in _of_kind("ScaledObject")}
    assert set(scaled) == set(workers), "one ScaledObject per worker Deployment"
    for name, deployment in workers.items():
        spec = scaled[name]["spec"]
        triggered = {t["name"] for t in spec["triggers"]}
        assert triggered == _queues(deployment), name
        for trigger in spec["triggers"]:
            assert f'queue="{trigger["name"]}"' in trigger["metadata"]["query"]
        if _queues(deployment) & ZERO_SCALED:
            assert spec["minReplicaCount"] == 0, f"{name} scales to zero"
        else:
            assert spec["minReplicaCount"] >= 1, f"{name} keeps a worker for quick jobs"


def test_workers_have_requests_probes_and_a_grace_period_for_their_jobs() -> None:
    for name, deployment in [*_workers().items(), ("api", _of_kind("Deployment")[0])]:
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        # the API is ready only when its database, broker and store answer; workers when they consume
        ready = "/readyz" if name == "api" else "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == ready, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
    for name, deployment in _workers().items():
        grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        long_work = _queues(deployment) & {"transcode", "subtitles", "render"}
        assert grace >= (900 if long_work else 60), name


def test_config_names_only_real_settings() -> None:
    fields = {f"SHOPCAST_{name.upper()}" for name in Settings.model_fields}
    for doc in [*_of_kind("ConfigMap"), *_of_kind("Secret")]:
        keys = set(doc.get("data", {})) | set(doc.get("stringData", {}))
        shopcast_keys = {k for k in keys if k.startswith("SHOPCAST_")}
        assert shopcast_keys <= fields, shopcast_keys - fields
        assert keys - shopcast_keys <= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


def test_scaling_queries_use_metrics_the_api_exposes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    upgrade(settings)
    runtime = build_runtime(settings)
    try:
        families = {family.name: family for family in QueueCollector(runtime.sessions).collect()}
    finally:
        runtime.engine.dispose()
    assert {s.labels["queue"] for s in families["shopcast_queue_depth"].samples} == set(QUEUES)
    for doc in _of_kind("ScaledObject"):
        for trigger in doc["spec"]["triggers"]:
            query = trigger["metadata"]["query"]
            assert "shopcast_queue_depth" in query
            assert "shopcast_queue_running" in query, "running jobs keep their pod"


def test_the_dashboard_is_grafana_json_with_a_prometheus_datasource() -> None:
    dashboard = json.loads((INFRA / "grafana" / "shopcast.json").read_text())
    assert dashboard["uid"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in dashboard["panels"]:
        assert panel["datasource"]["type"] == "prometheus"
        assert all(t["expr"] for t in panel["targets"])


def test_the_api_pod_runs_the_rtmp_engine_beside_the_api_on_the_same_data_volume() -> None:
    containers = _api_containers()
    api, rtmp = containers["api"], containers["rtmp"]
    assert rtmp["args"] == ["rtmp"]
    assert rtmp["image"] == api["image"]
    assert rtmp["envFrom"] == api["envFrom"], "nginx listens where the API pulls from"
    assert {"cpu", "memory"} <= set(rtmp["resources"]["requests"])
    data_dir = _config()["SHOPCAST_DATA_DIR"]
    volume = _mounts(api)[data_dir]
    assert _mounts(rtmp).get(data_dir) == volume, "the control socket lives in the data directory"
    assert volume in {v["name"] for v in _api_pod()["spec"]["volumes"]}
    assert control_socket(_config_settings()).is_relative_to(data_dir)


def test_the_rtmp_engine_and_the_api_reach_each_other_inside_the_pod() -> None:
    settings = _config_settings()
    callback = urlsplit(callback_base(settings))
    assert callback.hostname in ("127.0.0.1", "localhost"), "each pod's nginx asks its own API"
    api = _api_containers()["api"]
    assert callback.port == int(api["args"][api["args"].index("--port") + 1])
    assert _container_port(callback.port or 0)[0] == "api"
    assert settings.rtmp_pull_host in ("127.0.0.1", "localhost")
    assert _container_port(settings.rtmp_port) == ("rtmp", settings.rtmp_port, "TCP")


def test_the_live_service_sends_rtmp_and_srt_to_the_ports_the_pod_listens_on() -> None:
    service = _named("Service", "shopcast-live")["spec"]
    assert service["type"] == "LoadBalancer"
    assert service["selector"].items() <= _api_pod()["metadata"]["labels"].items()
    # an encoder's session lives in one pod: its address must keep reaching that pod
    assert service["externalTrafficPolicy"] == "Local"
    assert service["sessionAffinity"] == "ClientIP"
    settings = _config_settings()
    ports = {p.get("protocol", "TCP"): p for p in service["ports"]}
    assert set(ports) == {"TCP", "UDP"}
    assert _container_port(ports["TCP"]["targetPort"]) == ("rtmp", settings.rtmp_port, "TCP")
    # the Service forwards one UDP port, so the API must have exactly that one to listen on
    assert list(settings.srt_port_range) == [ports["UDP"]["port"]]
    assert _container_port(ports["UDP"]["targetPort"]) == ("api", settings.srt_port_range[0], "UDP")
    # and encoders are told the Service's ports, at the Service's (not the HTTP front's) address
    assert urlsplit(rtmp_url(settings) or "").port == ports["TCP"]["port"]
    assert urlsplit(srt_url(settings, "key") or "").port == ports["UDP"]["port"]
    assert settings.live_host == _config()["SHOPCAST_LIVE_PUBLIC_HOST"]
    assert settings.live_host != urlsplit(settings.public_url).hostname
