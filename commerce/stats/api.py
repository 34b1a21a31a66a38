"""`POST /v1/beacons` (the embed player's viewer events, no account: the embed token is the
credential) and `GET /v1/assets/{id}/stats`, `GET /v1/clips/{id}/stats` (their sums).

A beacon answers 202 `counted` or `duplicate` once it is committed, 403 `invalid_token`, 404 for an
object that is gone, 422 for a malformed one or a SKU not on the timeline, 413 past 16 KiB (a batch
of 20), and 429 `rate_limited` (with Retry-After) when its session or its sender's address sends
more than a viewer would: past that, nothing it says is counted. The API-wide per-address limiter
leaves this route to these bounds (`shopcast/api/ratelimit.py`), so many viewers behind one address
are not one client.
"""

from __future__ import annotations

import asyncio

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from commerce.stats import service
from commerce.stats.schemas import BeaconBatchIn, BeaconBatchOut, BeaconIn, BeaconOut, StatsOut
from commerce.stats.writer import BeaconWriter
from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.embed_links import EmbedKind
from shopcast.errors import PayloadTooLarge, RateLimited
from shopcast.runtime import Runtime

router = APIRouter(tags=["stats"])
MAX_BEACON_BYTES = 16_384  # a batch of 20 beacons is about 8 KiB
_BEACON_ERRORS = error_responses(403, 404, 413, 422, 429)
_STATS_ERRORS = error_responses(401, 403, 404, 422)


@router.post(
    "/v1/beacons", status_code=202, response_model=BeaconOut | BeaconBatchOut, responses=_BEACON_ERRORS
)
async def post_beacon(request: Request, body: BeaconIn | BeaconBatchIn) -> JSONResponse:
    """One viewer event from the embed player (see `BeaconIn`), or up to 20 of them as `{"beacons":
    [...]}`; answered once counted and committed. A batch is checked whole (one bad token or SKU
    refuses it) and answers each beacon's outcome."""
    _check_size(request)
    parts = _parts(request)
    given = body.beacons if isinstance(body, BeaconBatchIn) else [body]
    client = request.client
    parts.senders.take(client.host if client else "unknown", len(given))
    runtime: Runtime = request.app.state.runtime
    beacons = [service.admit(runtime.settings, one, await _skus(runtime, parts, one)) for one in given]
    outcomes = await asyncio.gather(*(parts.writer.count(beacon) for beacon in beacons))
    if isinstance(body, BeaconBatchIn):
        results = ["rate_limited" if outcome == "bounded" else outcome for outcome in outcomes]
        return JSONResponse({"results": results}, status_code=202)
    if outcomes[0] == "bounded":
        raise RateLimited(
            "this viewer session sent more beacons than a viewer does; later ones are not counted",
            code="rate_limited",
            headers={"Retry-After": "10"},
        )
    return JSONResponse({"status": outcomes[0]}, status_code=202)


async def _skus(runtime: Runtime, parts: _Parts, beacon: BeaconIn) -> frozenset[str] | None:
    """The SKUs of the beacon's object's timeline, from this process's cache when it is fresh."""
    kind, object_id = beacon.subject
    cached, skus = parts.skus.get(kind, object_id)
    if cached:
        return skus
    return await anyio.to_thread.run_sync(_load_skus, runtime, parts.skus, kind, object_id)


@router.get("/v1/assets/{asset_id}/stats", response_model=StatsOut, responses=_STATS_ERRORS)
def asset_stats(session: DbSession, user: CurrentUser, asset_id: Id) -> StatsOut:
    """Views, plays, watch time and per-SKU impressions and clicks from the embed player (owner, PD,
    admin; partners for what was delivered to their channels)."""
    return service.stats_of(session, user, "asset", asset_id)


@router.get("/v1/clips/{clip_id}/stats", response_model=StatsOut, responses=_STATS_ERRORS)
def clip_stats(session: DbSession, user: CurrentUser, clip_id: Id) -> StatsOut:
    """As for assets, for one clip's embed."""
    return service.stats_of(session, user, "clip", clip_id)


class _Parts:
    def __init__(self, runtime: Runtime):
        self.writer = BeaconWriter(runtime.sessions)
        self.senders = service.SenderBuckets(runtime.settings.secret_key)
        self.skus = service.SkuCache()


def _parts(request: Request) -> _Parts:
    """This process's writer, buckets and cache, made on the first beacon."""
    state = request.app.state
    parts: _Parts | None = getattr(state, "beacon_parts", None)
    if parts is None:
        parts = state.beacon_parts = _Parts(state.runtime)
    return parts


def _load_skus(
    runtime: Runtime, cache: service.SkuCache, kind: EmbedKind, object_id: str
) -> frozenset[str] | None:
    with runtime.sessions() as session:
        return cache.load(session, kind, object_id)


def _check_size(request: Request) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BEACON_BYTES:
        raise PayloadTooLarge(f"a beacon is at most {MAX_BEACON_BYTES} bytes", code="too_large")
