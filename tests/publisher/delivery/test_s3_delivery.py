"""Delivery to a partner's S3 bucket (a moto server the test starts, behind a proxy that fails the
HEAD after the upload until two delivery attempts have failed): one object with the receipt's
sha256, one receipt, the same key when published again; and a clip too short for its profile fails
with the named violation, delivering nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from publisher.channels.credentials import decrypt_credentials
from publisher.channels.models import Channel
from publisher.publications.models import Publication, PublicationReceipt
from shopcast.jobs.models import Job
from tests.harness.events import event_count
from tests.harness.services import S3Server, moto_s3
from tests.harness.stack import Stack
from tests.publisher.flaky_proxy import FlakyProxy
from tests.publisher.studio import BOTTLE, Studio, create_channel, publish, sha256_hex, wait_settled


@pytest.fixture
def bucket() -> Iterator[S3Server]:
    with moto_s3() as server:
        yield server


def _s3_target(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "type": "s3",
        "bucket": bucket,
        "prefix": "incoming/shopcast",
        "region": "us-east-1",
        "endpoint_url": endpoint,
        "access_key_id": "testing",
        "secret_access_key": "testing-secret-key",
    }


def _receipts(stack: Stack, publication_id: str) -> int:
    with stack.runtime.sessions() as session:
        query = select(func.count()).where(PublicationReceipt.publication_id == publication_id)
        return int(session.scalar(query) or 0)


def _deliver_attempts(stack: Stack, publication_id: str) -> int:
    with stack.runtime.sessions() as session:
        publication = session.get(Publication, publication_id)
        assert publication is not None
        assert publication.deliver_job_id is not None
        job = session.get(Job, publication.deliver_job_id)
        assert job is not None
        return job.attempts


def test_s3_delivery_survives_two_failed_attempts_with_one_object_and_one_receipt(
    stack: Stack, studio: Studio, bucket: S3Server
) -> None:
    # botocore retries each request itself; failing every one of its tries of the HEAD that checks the
    # uploaded object, twice over, fails two whole delivery attempts after their object was written.
    assert stack.settings.job_max_attempts >= 3
    failures = 2 * stack.settings.publish_s3_request_attempts
    proxy = FlakyProxy(bucket.endpoint_url, failures, when=lambda method, _path: method == "HEAD")
    try:
        with stack.client(studio.admin) as admin:
            channel = create_channel(
                admin,
                f"s3-{stack.name}",
                "vcommerce",
                _s3_target(proxy.url, bucket.bucket),
                [studio.partner_id],
            )
        assert "secret_access_key" not in channel["target"]
        with stack.client(studio.creator) as creator:
            first = publish(creator, studio.clip_id, channel["id"])
            done = wait_settled(creator, first["id"])
            assert done["state"] == "delivered", done
            again = creator.post(
                "/v1/publications", json={"clip_id": studio.clip_id, "channel_id": channel["id"]}
            )
            assert again.status_code == 200, again.text
            assert again.json()["id"] == first["id"], "re-publishing answers the same publication"
    finally:
        proxy.close()

    assert len(proxy.failed) == failures, "the proxy failed every try of two attempts' HEAD"
    assert _deliver_attempts(stack, first["id"]) == 3, "two failed delivery attempts, then one that worked"
    receipt = done["receipt"]
    assert receipt["key"] == f"incoming/shopcast/{studio.clip_id}.mp4"
    assert receipt["url"] == f"s3://{bucket.bucket}/{receipt['key']}"
    listed = bucket.client().list_objects_v2(Bucket=bucket.bucket)
    timeline = f"incoming/shopcast/{studio.clip_id}.products.json"
    assert sorted(o["Key"] for o in listed.get("Contents", [])) == [receipt["key"], timeline], (
        "exactly the media and its product timeline, once each"
    )
    sidecar = json.loads(bucket.client().get_object(Bucket=bucket.bucket, Key=timeline)["Body"].read())
    assert [p["sku"] for p in sidecar["products"]] == [BOTTLE["sku"]]
    assert not bucket.client().list_multipart_uploads(Bucket=bucket.bucket).get("Uploads"), (
        "no upload left open"
    )
    body = bucket.client().get_object(Bucket=bucket.bucket, Key=receipt["key"])["Body"].read()
    assert sha256_hex(body) == receipt["sha256"]
    assert len(body) == receipt["size"]
    assert _receipts(stack, first["id"]) == 1
    assert event_count(stack, first["id"], "publication.delivered") == 1
    with stack.runtime.sessions() as session:
        row = session.get(Channel, channel["id"])
        assert row is not None
        assert row.credentials is not None
        assert "testing-secret-key" not in row.credentials, "stored encrypted"
        secret = decrypt_credentials(stack.settings.secret_key, row.credentials)["secret_access_key"]
        assert secret == "testing-secret-key"


def test_a_clip_shorter_than_the_profile_minimum_fails_with_the_violation_and_delivers_nothing(
    stack: Stack, studio: Studio, bucket: S3Server
) -> None:
    profile = {"extends": "vcommerce", "name": "ten-seconds-or-more", "min_duration_s": 10}
    with stack.client(studio.admin) as admin:
        channel = create_channel(
            admin, f"long-{stack.name}", profile, _s3_target(bucket.endpoint_url, bucket.bucket), []
        )
    assert channel["profile_spec"]["min_duration_s"] == 10
    with stack.client(studio.creator) as creator:
        queued = publish(creator, studio.short_clip_id, channel["id"])
        done = wait_settled(creator, queued["id"])
    assert done["state"] == "failed"
    assert [v["code"] for v in done["violations"]] == ["duration_below_minimum"]
    assert done["violations"][0]["expected"] == 10
    assert done["violations"][0]["actual"] == pytest.approx(4.0, abs=0.1)
    assert done["receipt"] is None
    assert bucket.client().list_objects_v2(Bucket=bucket.bucket).get("KeyCount") == 0, "nothing delivered"
    assert event_count(stack, queued["id"], "publication.failed") == 1
    assert event_count(stack, queued["id"], "publication.delivered") == 0

    with stack.client(studio.creator) as creator:
        again = creator.post(
            "/v1/publications", json={"clip_id": studio.short_clip_id, "channel_id": channel["id"]}
        )
        assert again.status_code == 201, "a failed publication leaves room for a new one"
        assert again.json()["id"] != queued["id"]
        assert wait_settled(creator, again.json()["id"])["state"] == "failed"
