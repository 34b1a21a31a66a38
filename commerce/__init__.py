"""Commerce: the product catalogue, product pins during live shows, the product timelines of assets,
and (with `commerce.embed`, `commerce.stats`) the shoppable embed player and its viewer stats.

Commerce sits on top of the other domains: it reads streams, assets, clips and publications through
their public surfaces, and hands ingest its view of the pins (`pin_marks`, wired by the app).
Other packages use only what `__all__` lists (held by import-linter in `make lint`).
"""

from fastapi import APIRouter

from commerce.catalogue.api import router as _catalogue_router
from commerce.embed.api import router as _embed_router
from commerce.pins.api import router as _pins_router
from commerce.pins.service import pin_marks
from commerce.stats.api import router as stats_router
from commerce.timeline.api import router as _timeline_router

router = APIRouter()
for _router in (_catalogue_router, _pins_router, _timeline_router, _embed_router):
    router.include_router(_router)

# `stats_router` holds `POST /v1/beacons`, the busiest route of all (every embed's every viewer):
# the app mounts it before every other router, so that matching a beacon's path does not walk past
# the other 150 routes first (a third of a beacon's time in the request path, measured).
__all__ = ["pin_marks", "router", "stats_router"]
