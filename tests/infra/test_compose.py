"""infra/compose.yaml, prometheus.yml and the Dockerfile, checked offline (no Docker engine here):
structure, references between services, real settings, and every queue served by a worker."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from shopcast.jobs.registry import QUEUES
from shopcast.settings import Settings

INFRA = Path(__file__).resolve().parents[2] / "infra"


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((INFRA / "compose.yaml").read_text())
    return compose


def _workers(compose: dict[str, Any]) -> dict[str, list[str]]:
    return {name: s["command"] for name, s in compose["services"].items() if name.startswith("worker-")}


def test_compose_runs_the_services_an_operator_expects() -> None:
    services = _compose()["services"]
    for needed in ("postgres", "redis", "minio", "migrate", "api", "flower", "prometheus"):
        assert needed in services, needed
    for name, service in services.items():
        assert "image" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_every_queue_has_a_compose_worker() -> None:
    served: set[str] = set()
    for command in _workers(_compose()).values():
        assert command[0] == "worker"
        served |= set(command[command.index("--queues") + 1].split(","))
    assert served == set(QUEUES)


def test_compose_environment_names_real_settings() -> None:
    compose = _compose()
    fields = {f"SHOPCAST_{name.upper()}" for name in Settings.model_fields}
    env = compose["services"]["api"]["environment"]
    assert {k for k in env if k.startswith("SHOPCAST_")} <= fields
    assert env["SHOPCAST_STORAGE_URL"].startswith("s3://")
    assert env["SHOPCAST_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert Settings(**{k[len("SHOPCAST_") :].lower(): v for k, v in env.items() if k.startswith("SHOPCAST_")})


def test_prometheus_scrapes_the_api_and_every_worker() -> None:
    config = yaml.safe_load((INFRA / "prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    compose = _compose()
    port = compose["services"]["api"]["environment"]["SHOPCAST_WORKER_METRICS_PORT"]
    assert {f"{name}:{port}" for name in _workers(compose)} | {"api:8000"} == targets


def test_the_image_runs_as_a_user_with_ffmpeg_from_the_wheel() -> None:
    dockerfile = (INFRA / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users, "the image names a user"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert not re.search(r"apt-get install[^\n]*\bffmpeg\b", dockerfile), "FFmpeg comes from imageio-ffmpeg"
    assert re.search(r'ENTRYPOINT \[.*"shopcast"\]', dockerfile)
