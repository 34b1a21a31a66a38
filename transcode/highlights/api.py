"""Highlights: list an asset's proposals, accept one (it renders as a clip) or dismiss it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.runtime import Runtime
from transcode.clips.schemas import ClipOut
from transcode.clips.service import to_out as clip_out
from transcode.highlights import service
from transcode.highlights.schemas import AcceptIn, HighlightOut

router = APIRouter(tags=["highlights"])
_ERRORS = error_responses(401, 404, 409, 422)


@router.get("/v1/assets/{asset_id}/highlights", response_model=list[HighlightOut], responses=_ERRORS)
def list_highlights(
    session: DbSession,
    user: CurrentUser,
    asset_id: Id,
    dismissed: Annotated[bool, Query(description="include dismissed ones")] = False,
) -> list[HighlightOut]:
    """The asset's highlight proposals, best first (none until its `highlights.ready`)."""
    return [service.to_out(h) for h in service.list_for_asset(session, user, asset_id, dismissed)]


@router.post(
    "/v1/highlights/{highlight_id}/accept", status_code=201, response_model=ClipOut, responses=_ERRORS
)
def accept_highlight(
    request: Request, session: DbSession, user: CurrentUser, highlight_id: Id, body: AcceptIn
) -> ClipOut:
    """Render the highlight as a clip (by default 9:16) carrying its product; answers the clip.
    A highlight already accepted or dismissed answers 409 highlight_decided."""
    settings = _runtime(request).settings
    clip = service.accept(session, settings, user, highlight_id, body)
    return clip_out(session, settings, clip)


@router.post("/v1/highlights/{highlight_id}/dismiss", response_model=HighlightOut, responses=_ERRORS)
def dismiss_highlight(session: DbSession, user: CurrentUser, highlight_id: Id) -> HighlightOut:
    """Hide the highlight; later runs of the job do not propose the same pitch again."""
    return service.to_out(service.dismiss(session, user, highlight_id))


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
