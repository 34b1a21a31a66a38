"""/metrics on the API and on a worker after real jobs ran: queues, jobs, speed, bytes, webhooks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import httpx

from shopcast.jobs.registry import QUEUES
from tests.harness.media import MediaFactory
from tests.harness.polling import wait_until
from tests.harness.prometheus import Samples, exposed_names, scrape, value
from tests.harness.receiver import Receiver, ReceiverServer
from tests.harness.services import free_port
from tests.harness.tus import upload
from tests.shopcast.telemetry.conftest import OpsStack
from tests.transcode.outputs import wait_for_ladder

DASHBOARD = Path(__file__).resolve().parents[3] / "infra" / "grafana" / "shopcast.json"


def _until(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    wait_until(check, timeout_s=timeout, interval_s=0.25, what=what)


def _all_but_subtitles_done(client: httpx.Client, asset_id: str) -> bool:
    jobs = client.get(f"/v1/assets/{asset_id}").json()["jobs"]
    return all(j["state"] in ("succeeded", "failed") for j in jobs if j["kind"] != "subtitles")


def _quiet(api_url: str) -> bool:
    """No work held or waiting, but on `subtitles`, which nobody takes: earlier tests are done."""
    samples = scrape(api_url)
    return all(
        value(samples, "shopcast_queue_running", queue=q) == 0
        and (q == "subtitles" or value(samples, "shopcast_queue_depth", queue=q) == 0)
        for q in QUEUES
    )


def test_a_ladder_shows_in_queue_depth_job_outcomes_speed_and_upload_bytes(
    ops_stack: OpsStack, media: MediaFactory
) -> None:
    source = media.long_360p(10)
    api_url = f"{ops_stack.base_url}/metrics"
    _until("earlier work to end", lambda: _quiet(api_url))
    api_before, worker_before = scrape(api_url), scrape(ops_stack.worker_metrics_url)
    with ops_stack.client(ops_stack.user("metrics-ladder", "creator")) as client:
        asset_id = upload(client, source)
        asset = wait_for_ladder(client, asset_id, timeout=120)
        assert next(j for j in asset["jobs"] if j["kind"] == "transcode")["state"] == "succeeded"
        _until("every job but subtitles", lambda: _all_but_subtitles_done(client, asset_id))
    api, worker = scrape(api_url), scrape(ops_stack.worker_metrics_url)

    def delta(after: Samples, before: Samples, name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta(api, api_before, "shopcast_upload_bytes_total") == source.stat().st_size
    assert {q for (n, labels) in api if n == "shopcast_queue_depth" for _k, q in labels} == set(QUEUES)
    assert delta(api, api_before, "shopcast_queue_depth", queue="subtitles") == 1, "no worker takes subtitles"
    assert value(api, "shopcast_queue_depth", queue="transcode") == 0
    assert value(api, "shopcast_queue_running", queue="transcode") == 0
    assert delta(api, api_before, "shopcast_jobs", kind="transcode", state="succeeded") == 1
    for kind in ("probe", "preview", "transcode", "thumbnails", "loudness"):
        count = delta(
            worker, worker_before, "shopcast_job_duration_seconds_count", kind=kind, outcome="succeeded"
        )
        assert count == 1, kind
    took = delta(
        worker, worker_before, "shopcast_job_duration_seconds_sum", kind="transcode", outcome="succeeded"
    )
    assert 0 < took < 120
    assert delta(worker, worker_before, "shopcast_job_speed_ratio_count", kind="transcode") == 1
    speed = delta(worker, worker_before, "shopcast_job_speed_ratio_sum", kind="transcode")
    assert speed > 1, "a 360p ladder of 10 s encodes faster than realtime"


def test_webhook_deliveries_show_latency_failures_and_dead_letters(
    ops_stack: OpsStack, media: MediaFactory
) -> None:
    received = Receiver()
    server = ReceiverServer(received)
    api_url = f"{ops_stack.base_url}/metrics"
    _until("earlier work to end", lambda: _quiet(api_url))
    api_before, worker_before = scrape(api_url), scrape(ops_stack.worker_metrics_url)
    try:
        with ops_stack.client(ops_stack.user("metrics-hooks", "creator")) as client:
            for url in (server.url, f"http://127.0.0.1:{free_port()}/nobody-listens"):
                answer = client.post("/v1/webhook-endpoints", json={"url": url, "events": ["asset.created"]})
                assert answer.status_code == 201, answer.text
            upload(client, media.audio_only())
            _until("the delivery", lambda: len(received.received) == 1)
            # 1 + 5 attempts half a second apart, then the dead letter
            _until(
                "the dead letter",
                lambda: (
                    value(scrape(api_url), "shopcast_webhook_messages", state="dead")
                    == value(api_before, "shopcast_webhook_messages", state="dead") + 1
                ),
            )
    finally:
        server.close()
    worker = scrape(ops_stack.worker_metrics_url)

    def delta(name: str, **labels: str) -> float:
        return value(worker, name, **labels) - value(worker_before, name, **labels)

    assert delta("shopcast_webhook_delivery_seconds_count", outcome="delivered") == 1
    assert 0 < delta("shopcast_webhook_delivery_seconds_sum", outcome="delivered") < 15
    assert delta("shopcast_webhook_delivery_seconds_count", outcome="failed") == 6
    assert delta("shopcast_webhook_delivery_failures_total", reason="connection") == 6


def test_the_worker_exporter_answers_the_kubernetes_probe_path(ops_stack: OpsStack) -> None:
    base = ops_stack.worker_metrics_url.rsplit("/", 1)[0]
    answer = httpx.get(f"{base}/healthz", timeout=10)
    assert answer.status_code == 200
    assert "shopcast_job_duration_seconds" in answer.text


def test_dashboard_queries_only_metrics_that_are_exposed(ops_stack: OpsStack) -> None:
    """Runs after the tests above: a worker's histograms appear once something was observed."""
    exposed = exposed_names(f"{ops_stack.base_url}/metrics") | exposed_names(ops_stack.worker_metrics_url)
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert len(queries) >= 8
    used = {name for expr in queries for name in re.findall(r"\b(shopcast_[a-z_]+)\b", expr)}
    assert used, "the dashboard queries shopcast metrics"
    assert used <= exposed, f"not exposed: {sorted(used - exposed)}"
