"""`/v1/assets/{id}/products`: an asset's product timeline."""

from __future__ import annotations

from fastapi import APIRouter, Request

from commerce.timeline import service
from commerce.timeline.schemas import TimelineIn, TimelineOut
from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.runtime import Runtime

router = APIRouter(prefix="/v1/assets", tags=["products"])
_ERRORS = error_responses(401, 403, 404, 422)


@router.get("/{asset_id}/products", response_model=TimelineOut, responses=_ERRORS)
def get_timeline(session: DbSession, user: CurrentUser, asset_id: Id) -> TimelineOut:
    """The products on screen, in time order (a recording starts with its stream's pins)."""
    return TimelineOut(products=service.timeline(session, user, asset_id))


@router.put("/{asset_id}/products", response_model=TimelineOut, responses=_ERRORS)
def replace_timeline(
    request: Request, session: DbSession, user: CurrentUser, asset_id: Id, body: TimelineIn
) -> TimelineOut:
    """Replace the timeline whole (creators, their PDs, admins); clips made after inherit it, and
    the asset's highlights are proposed again."""
    runtime: Runtime = request.app.state.runtime
    attempts = runtime.settings.job_max_attempts
    return TimelineOut(products=service.replace_timeline(session, user, asset_id, body, attempts))
