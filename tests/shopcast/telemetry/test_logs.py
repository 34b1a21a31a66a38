"""JSON logs: the API's X-Request-ID reaches the worker with the job message and tags its job's lines."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from shopcast.jobs.models import Job
from tests.harness.media import MediaFactory
from tests.harness.polling import poll
from tests.harness.tus import TUS, file_chunks, metadata
from tests.shopcast.telemetry.conftest import OpsStack


def _json_lines(path: Path) -> list[dict[str, Any]]:
    entries = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    return entries


def _jobs(stack: OpsStack, asset_id: str) -> dict[str, str]:
    with stack.runtime.sessions() as session:
        return {job.kind: job.id for job in session.scalars(select(Job).where(Job.asset_id == asset_id))}


def _succeeded(lines: list[dict[str, Any]], job_id: str) -> bool:
    return any(e.get("job_id") == job_id and "succeeded" in e["message"] for e in lines)


def test_request_id_goes_from_the_upload_to_the_jobs_worker_log_lines(
    ops_stack: OpsStack, media: MediaFactory
) -> None:
    source = media.long_360p(10)
    request_id = f"studio-7/upload-{time.time_ns()}"
    headers = {
        **TUS,
        "Upload-Length": str(source.stat().st_size),
        "Upload-Metadata": metadata(filename=source.name),
        "Content-Type": "application/offset+octet-stream",
        "X-Request-ID": request_id,
    }
    with ops_stack.client(ops_stack.user("logs-upload", "creator")) as client:
        answer = client.post("/v1/uploads", headers=headers, content=file_chunks(source))
        assert answer.status_code == 201, answer.text
        assert answer.headers["X-Request-ID"] == request_id
        asset_id = answer.headers["Location"].rsplit("/", 1)[-1]

        def jobs_and_lines() -> tuple[dict[str, str], list[dict[str, Any]]]:
            jobs = _jobs(ops_stack, asset_id)
            lines = [
                e for e in _json_lines(ops_stack.log_dir / "worker.log") if e.get("request_id") == request_id
            ]
            return jobs, lines

        jobs, lines = poll(
            jobs_and_lines,
            lambda seen: "transcode" in seen[0] and _succeeded(seen[1], seen[0]["transcode"]),
            timeout_s=120,
            interval_s=0.5,
            what=lambda seen: (
                f"no line of the transcode succeeding under the upload's request ID after 120 s; "
                f"jobs {seen[0]}, {len(seen[1])} lines with the ID"
            ),
        )
    probe = [e for e in lines if e.get("job_id") == jobs["probe"]]
    assert any("started" in e["message"] for e in probe), "the probe ran under the upload's request ID"
    assert all(e["level"] in ("debug", "info", "warning", "error") and e["time"] for e in lines)
    # The transcode was enqueued by the probe job on the worker: the ID followed it there too.
    assert any(e.get("job_id") == jobs["transcode"] and "succeeded" in e["message"] for e in lines)
    api_lines = [e for e in _json_lines(ops_stack.log_dir / "api.log") if e.get("request_id") == request_id]
    assert any("/v1/uploads" in e["message"] for e in api_lines), "the access log line carries it"


def test_a_request_without_an_id_gets_one_and_a_hostile_id_is_replaced(ops_stack: OpsStack) -> None:
    with ops_stack.client() as client:
        made_up = client.get("/healthz").headers["X-Request-ID"]
        hostile = client.get("/healthz", headers={b"X-Request-ID": b"x\xe2\x80\xa8" + b"y" * 300}).headers[
            "X-Request-ID"
        ]
        unknown = client.get("/v1/assets", headers={"X-Request-ID": "abc-123"})
    assert re.fullmatch(r"[0-9a-f]{32}", made_up)
    assert re.fullmatch(r"[0-9a-f]{32}", hostile)
    assert unknown.status_code == 401
    assert unknown.headers["X-Request-ID"] == "abc-123", "error answers carry it too"
