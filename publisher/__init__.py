"""Publisher: channel profiles, publications, deliveries and partner feeds.

Other packages use only what `__all__` lists (held by import-linter in `make lint`).
"""

from fastapi import APIRouter

from publisher.channels.api import router as _channels_router
from publisher.partner.api import router as _partner_router
from publisher.partner.service import delivered_to_channels_of
from publisher.publications.api import router as _publications_router
from publisher.publications.client import PublishFailed, channel_id_by_name, publish_and_follow

router = APIRouter()
router.include_router(_channels_router)
router.include_router(_publications_router)
router.include_router(_partner_router)

__all__ = ["PublishFailed", "channel_id_by_name", "delivered_to_channels_of", "publish_and_follow", "router"]
