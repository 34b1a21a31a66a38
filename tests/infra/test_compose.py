"""infra/compose.yaml, prometheus.yml and the Dockerfile, checked offline (no Docker engine here):
structure, references between services, real settings, every queue served by a worker, and live
ingest (RTMP through nginx beside the API, SRT in the API) reachable where encoders are sent."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ingest.live.rtmp_engine import DEBIAN_PACKAGES, callback_base, control_socket
from shopcast.jobs.registry import QUEUES
from shopcast.live_urls import rtmp_url, srt_url
from shopcast.settings import Settings

INFRA = Path(__file__).resolve().parents[2] / "infra"


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((INFRA / "compose.yaml").read_text())
    return compose


def _workers(compose: dict[str, Any]) -> dict[str, list[str]]:
    return {name: s["command"] for name, s in compose["services"].items() if name.startswith("worker-")}


def _shopcast_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    image = compose["services"]["api"]["image"]
    return {name: s for name, s in compose["services"].items() if s["image"] == image}


def _dockerfile() -> str:
    return (INFRA / "Dockerfile").read_text()


def _runtime_stage() -> str:
    """The Dockerfile's last stage, continuation lines joined: what the image really contains."""
    return _dockerfile().rsplit("\nFROM ", 1)[1].replace("\\\n", " ")


def _image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.*)$", _runtime_stage(), flags=re.MULTILINE):
        env.update(re.findall(r"(\w+)=(\S+)", line))
    return env


def _settings(service: dict[str, Any]) -> Settings:
    """What a compose service's process sees: the image's SHOPCAST_ variables, then the service's."""
    env = {**_image_env(), **service["environment"]}
    return Settings(**{k[len("SHOPCAST_") :].lower(): v for k, v in env.items() if k.startswith("SHOPCAST_")})


def _published(service: dict[str, Any]) -> set[tuple[int, int, str]]:
    """(host port, container port, protocol) of each short-syntax entry: [ip:]host:container[/proto]."""
    published = set()
    for entry in service.get("ports", []):
        mapping, _, protocol = entry.partition("/")
        *_, host, container = mapping.split(":")
        published.add((int(host), int(container), protocol or "tcp"))
    return published


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Mount path -> volume name, from short-syntax volume entries."""
    return {entry.split(":")[1]: entry.split(":")[0] for entry in service.get("volumes", [])}


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
    services = _shopcast_services(compose)
    assert {"api", "rtmp", "migrate"} <= set(services)
    for name, service in services.items():
        env = service["environment"]
        assert {k for k in env if k.startswith("SHOPCAST_")} <= fields, name
        assert env["SHOPCAST_STORAGE_URL"].startswith("s3://"), name
        assert env["SHOPCAST_S3_ENDPOINT_URL"] == "http://minio:9000", name
        assert _settings(service), name


def test_compose_api_publishes_rtmp_and_srt_where_encoders_are_sent() -> None:
    api = _compose()["services"]["api"]
    settings = _settings(api)
    published = _published(api)
    assert settings.rtmp_port
    assert (settings.rtmp_port, settings.rtmp_port, "tcp") in published
    assert settings.srt_port_range, "SRT is on"
    # the API listens on the first free port of the range: each one must be reachable on the host
    for port in settings.srt_port_range:
        assert (port, port, "udp") in published, port
    url = rtmp_url(settings)
    assert url is not None
    assert urlsplit(url).port == settings.rtmp_port
    assert urlsplit(srt_url(settings, "key") or "").port == settings.srt_port_range[0]


def test_compose_rtmp_engine_shares_the_apis_network_and_data_volume() -> None:
    compose = _compose()
    api, rtmp = compose["services"]["api"], compose["services"]["rtmp"]
    assert rtmp["command"] == ["rtmp"]
    assert rtmp["network_mode"] == "service:api"
    # a service inside another's network namespace cannot publish ports: the API publishes RTMP's
    assert "ports" not in rtmp
    assert "api" in rtmp["depends_on"]
    data_dir = _image_env()["SHOPCAST_DATA_DIR"]
    volume = _mounts(api).get(data_dir)
    assert volume in compose["volumes"], "a named volume: the image's anonymous one is per container"
    assert _mounts(rtmp).get(data_dir) == volume


def test_compose_rtmp_engine_reaches_the_api_and_the_api_reaches_it_over_loopback() -> None:
    compose = _compose()
    api, rtmp = compose["services"]["api"], compose["services"]["rtmp"]
    nginx, server = _settings(rtmp), _settings(api)
    callback = urlsplit(callback_base(nginx))
    assert callback.hostname in ("127.0.0.1", "localhost")
    assert callback.port == int(api["command"][api["command"].index("--port") + 1])
    # the API pulls from the port nginx listens on, and drops clients through the socket nginx opens
    assert server.rtmp_pull_host in ("127.0.0.1", "localhost")
    assert server.rtmp_port == nginx.rtmp_port
    assert control_socket(server) == control_socket(nginx)
    assert control_socket(nginx).is_relative_to(_image_env()["SHOPCAST_DATA_DIR"])
    # nginx's callbacks carry a token the API derives from the same secret
    assert server.secret_key == nginx.secret_key


def test_prometheus_scrapes_the_api_and_every_worker() -> None:
    config = yaml.safe_load((INFRA / "prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    compose = _compose()
    port = compose["services"]["api"]["environment"]["SHOPCAST_WORKER_METRICS_PORT"]
    assert {f"{name}:{port}" for name in _workers(compose)} | {"api:8000"} == targets


def test_the_image_runs_as_a_user_with_ffmpeg_from_the_wheel() -> None:
    dockerfile = _dockerfile()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users, "the image names a user"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert not re.search(r"apt-get install[^\n]*\bffmpeg\b", dockerfile), "FFmpeg comes from imageio-ffmpeg"
    assert re.search(r'ENTRYPOINT \[.*"shopcast"\]', dockerfile)


def test_the_image_carries_the_rtmp_engine_and_libsrt_and_exposes_their_ports() -> None:
    runtime = _runtime_stage()
    installed: set[str] = set()
    for arguments in re.findall(r"apt-get install ([^&\n]*)", runtime):
        installed |= {word for word in arguments.split() if not word.startswith("-")}
    assert {*DEBIAN_PACKAGES, "libsrt1.5-openssl"} <= installed
    assert "--no-install-recommends" in runtime
    exposed = {
        port for line in re.findall(r"^EXPOSE (.*)$", runtime, flags=re.MULTILINE) for port in line.split()
    }
    defaults = Settings.model_construct()  # the image sets neither port: the defaults apply
    assert {str(defaults.rtmp_port), f"{defaults.srt_port_range[0]}/udp", "8000"} <= exposed
