"""The ingest domain's routes: tus uploads, assets, live streams, WHIP and the RTMP engine's callbacks."""

from fastapi import APIRouter

from ingest.assets.api import router as assets_router
from ingest.live.api import router as live_router
from ingest.live.rtmp_api import router as rtmp_router
from ingest.live.whip_api import router as whip_router
from ingest.restream.api import router as restream_router
from ingest.uploads.api import router as uploads_router

router = APIRouter()
router.include_router(uploads_router)
router.include_router(assets_router)
router.include_router(live_router)
router.include_router(whip_router)
router.include_router(rtmp_router)
router.include_router(restream_router)
