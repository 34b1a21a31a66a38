"""The ingest domain's routes: tus uploads, assets, live streams and WHIP."""

from fastapi import APIRouter

from ingest.assets_api import router as assets_router
from ingest.live_api import router as live_router
from ingest.tus_api import router as uploads_router
from ingest.whip_api import router as whip_router

router = APIRouter()
router.include_router(uploads_router)
router.include_router(assets_router)
router.include_router(live_router)
router.include_router(whip_router)
