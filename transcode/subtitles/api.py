"""A PD's corrections: `PUT /v1/assets/{id}/subtitles/{lang}` with a WebVTT or SRT file.

The file is checked completely before anything changes: a bad file gets 422 with the line at fault
and the previous version stays. An accepted file becomes the language's track for players, clips
and channels, and Whisper never overwrites it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Request

from ingest import SubtitleOut, get_visible_asset
from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.auth.models import Role
from shopcast.errors import Forbidden, PayloadTooLarge, ValidationFailed
from shopcast.media.subtitle_formats import (
    MAX_FILE_BYTES,
    SubtitleFileError,
    decode_subtitle_bytes,
    parse_subtitles,
)
from shopcast.runtime import Runtime
from transcode.highlights.service import queue_highlights
from transcode.subtitles.retranslation import queue_retranslation
from transcode.subtitles.service import replace_track, subtitles_view

router = APIRouter(tags=["subtitles"])
_ERRORS = error_responses(401, 403, 404, 413, 422)
_FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/vtt": {"schema": {"type": "string"}},
            "application/x-subrip": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


@router.put(
    "/v1/assets/{asset_id}/subtitles/{language}",
    response_model=SubtitleOut,
    responses=_ERRORS,
    openapi_extra=_FILE_BODY,
)
def put_subtitles(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    asset_id: Id,
    language: Annotated[str, Path(pattern=r"^[a-z]{2}$", description="ISO 639-1, e.g. ko or en")],
    body: Annotated[bytes, Body(media_type="text/vtt")] = b"",
) -> SubtitleOut:
    """Replace the asset's subtitles in `language` with a corrected WebVTT or SRT file."""
    runtime: Runtime = request.app.state.runtime
    asset = get_visible_asset(session, user, asset_id)
    if user.role is Role.partner:
        raise Forbidden("partners cannot edit subtitles")
    if len(body) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"subtitle files are limited to {MAX_FILE_BYTES} bytes")
    try:
        cues = parse_subtitles(decode_subtitle_bytes(body))
    except SubtitleFileError as exc:
        raise ValidationFailed(str(exc), code="invalid_subtitles") from exc
    track = replace_track(session, runtime, asset.id, asset.owner_id, language, cues)
    queue_retranslation(session, runtime, track)
    if track.kind == "transcript":
        queue_highlights(session, asset.id, runtime.settings.job_max_attempts)
    view = next(s for s in subtitles_view(session, runtime, asset.id) if s["language"] == language)
    return SubtitleOut.model_validate(view)
