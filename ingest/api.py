"""The ingest domain's routes: tus uploads, assets, live streams and WHIP."""

from fastapi import APIRouter

from ingest.assets.api import router as assets_router
from ingest.live.api import router as live_router
from ingest.live.whip_api import router as whip_router
from ingest.uploads.api import router as uploads_router

router = APIRouter()
router.include_router(uploads_router)
router.include_router(assets_router)
router.include_router(live_router)
router.include_router(whip_router)
