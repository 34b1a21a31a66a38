"""The ingest domain's routes: tus uploads and assets."""

from fastapi import APIRouter

from ingest.assets_api import router as assets_router
from ingest.tus_api import router as uploads_router

router = APIRouter()
router.include_router(uploads_router)
router.include_router(assets_router)
