"""infra/: Kubernetes manifests against the Kubernetes schemas (offline), KEDA ScaledObjects against the
schema kept in the repo, and the manifests against what the code really does (queues, settings,
metric names)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from shopcast.jobs.registry import QUEUES
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
