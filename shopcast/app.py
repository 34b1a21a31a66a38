"""The FastAPI app: mounts every domain's router and the web pages, errors, metrics, rate limits and CORS."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from commerce import pin_marks
from commerce import router as commerce_router
from commerce import stats_router as beacons_router
from ingest import (
    install_live_collector,
    install_restream_collector,
    set_captioner_factory,
    set_outputs_view,
    set_pins_view,
    start_live_ingest,
)
from ingest import router as ingest_router
from publisher import router as publisher_router
from shopcast import __version__
from shopcast.api.body_limit import BodyLimitMiddleware, route_caps
from shopcast.api.health import router as health_router
from shopcast.api.metrics import Metrics, MetricsMiddleware, install_job_collector
from shopcast.api.metrics import router as metrics_router
from shopcast.api.nul_refusal import NulRefusalMiddleware
from shopcast.api.ratelimit import RateLimitMiddleware, TokenOwners
from shopcast.api.request_id import RequestIdMiddleware
from shopcast.api.routes import install_setting_limits
from shopcast.api.unexpected_errors import UnexpectedErrorMiddleware, install_fallback_handler
from shopcast.auth.api import me_router
from shopcast.auth.api import router as admin_router
from shopcast.auth.sessions_api import password_router
from shopcast.auth.sessions_api import router as sessions_router
from shopcast.celery_app import configure_celery
from shopcast.errors import install_error_handlers
from shopcast.jobs import dispatch
from shopcast.runtime import build_runtime
from shopcast.settings import Settings, load_settings
from shopcast.telemetry.broker_metrics import BrokerQueueCollector
from shopcast.web import mount_web
from shopcast.webhooks.api import router as webhooks_router
from studio_booking import router as studio_router
from transcode import adopt_live_captions, asset_outputs_view, live_captioner_factory
from transcode import router as transcode_router

_TUS_HEADERS = [
    "Location",
    "Upload-Offset",
    "Upload-Length",
    "Upload-Expires",
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Tus-Checksum-Algorithm",
    "Retry-After",
    "X-Request-ID",
]


def _freeze_startup_heap() -> None:
    """Move what start-up allocated (FastAPI, SQLAlchemy, aiortc, PyAV: about a million objects) out
    of the garbage collector's sight: they live as long as the process, and every full collection
    scanned them all, a pause of a few hundred milliseconds that every request in flight waited
    out. Measured with bench/beacons.py: p99 at 3,000 beacons/s from 769 ms to 29 ms."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    runtime = build_runtime(settings)
    metrics = Metrics()
    install_job_collector(metrics, runtime.sessions)
    metrics.registry.register(BrokerQueueCollector(settings.effective_broker_url))
    install_live_collector(metrics.registry, runtime.sessions)
    install_restream_collector(metrics.registry, runtime.sessions)
    configure_celery(settings)
    dispatch.install()
    set_outputs_view(asset_outputs_view)
    set_pins_view(pin_marks)
    set_captioner_factory(live_captioner_factory(settings), adopt_live_captions)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        live = await start_live_ingest(runtime)
        _freeze_startup_heap()
        app.state.live_node, app.state.whip, app.state.rtmp, app.state.srt = (
            live.node,
            live.whip,
            live.rtmp,
            live.srt,
        )
        yield
        await live.shutdown()
        runtime.engine.dispose()

    app = FastAPI(title="Shopcast", version=__version__, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.sessions = runtime.sessions
    app.state.metrics = metrics
    install_error_handlers(app)
    install_fallback_handler(app)
    app.add_middleware(UnexpectedErrorMiddleware)  # innermost: the others see its JSON answers
    app.add_middleware(
        RateLimitMiddleware,
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        owners=TokenOwners.in_database(runtime.sessions),
    )
    app.add_middleware(  # before any handler, and so before authentication, reads a body
        BodyLimitMiddleware, default_max_bytes=settings.max_json_body_bytes, caps=route_caps(settings)
    )
    app.add_middleware(NulRefusalMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=lambda: metrics)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=[*_TUS_HEADERS, "ETag", "Link", "Accept-Post"],
    )
    app.add_middleware(RequestIdMiddleware)  # outermost: every answer, errors and CORS included

    app.include_router(beacons_router)  # first: the busiest route, matched before all the others
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(ingest_router)
    app.include_router(studio_router)
    app.include_router(webhooks_router)
    app.include_router(admin_router)
    app.include_router(me_router)
    app.include_router(password_router)
    app.include_router(sessions_router)
    app.include_router(transcode_router)
    app.include_router(publisher_router)
    app.include_router(commerce_router)
    mount_web(app)
    install_setting_limits(app, settings)  # the OpenAPI document states this server's limits
    return app
