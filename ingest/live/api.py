"""Live streams: create one with its stream key, list and read them, and watch the live preview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse

from ingest.live import service as live_service
from ingest.live.captions import caption_languages, caption_segment, captioned_master, captions_playlist
from ingest.live.clips import LiveView
from ingest.live.models import LiveState, LiveStream
from ingest.live.node import LiveNode
from ingest.live.pins_view import pins_of
from ingest.live.preview import preview_playlist, preview_segment, preview_subject
from ingest.live.schemas import LiveStreamIn, LiveStreamOut, LiveStreamPatch
from shopcast.api.idempotency import RequestIdentity, idempotent_create
from shopcast.api.pagination import Page, PageParams, next_cursor, page_params
from shopcast.api.routes import Id, IdempotencyKey, error_responses
from shopcast.api.stored_files import require_token, signed_playlist
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.errors import NotFound
from shopcast.runtime import Runtime
from shopcast.signing import sign

router = APIRouter(prefix="/v1/live-streams", tags=["live"])
StreamId = Id
Token = Annotated[str, Query(max_length=200)]
# Described only: an unlisted name is the 404 of a segment that slid out of the window, after the token check.
SegmentName = Annotated[str, Path(json_schema_extra={"pattern": r"^[0-9]+\.ts$"})]
CaptionName = Annotated[str, Path(json_schema_extra={"pattern": r"^[0-9]+\.vtt$"})]
Language = Annotated[str, Path(pattern=r"^[a-z]{2}$", description="ISO 639-1, e.g. ko or en")]
_ERRORS = error_responses(401, 403, 404, 409, 422)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _out(request: Request, stream: LiveStream) -> LiveStreamOut:
    settings = _runtime(request).settings
    preview = None
    if stream.state is LiveState.live:
        token = sign(settings.secret_key, preview_subject(stream.id), settings.playback_ttl_s)
        playlist = "preview-master.m3u8" if stream.captions else "preview.m3u8"
        preview = f"{settings.public_url.rstrip('/')}/v1/live-streams/{stream.id}/{playlist}?token={token}"
    srt = getattr(request.app.state, "srt", None)
    return live_service.to_out(stream, settings, preview, srt.port if srt is not None else None)


@router.post("", status_code=201, response_model=LiveStreamOut, responses=_ERRORS)
def create_live_stream(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    body: LiveStreamIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A live stream with its stream key: publish to `whip_url` with the key as the bearer token."""
    identity = RequestIdentity.of("POST", "/v1/live-streams", body.model_dump_json())

    def create() -> tuple[int, str]:
        return 201, _out(request, live_service.create_stream(session, user, body)).model_dump_json()

    return idempotent_create(session, user.id, idempotency_key, identity, create)


@router.get("", response_model=Page[LiveStreamOut], responses=_ERRORS)
def list_live_streams(
    request: Request, session: DbSession, user: CurrentUser, page: Annotated[PageParams, Depends(page_params)]
) -> Page[LiveStreamOut]:
    rows = live_service.list_visible(session, user, page.limit, page.cursor)
    items = [_out(request, stream) for stream in rows[: page.limit]]
    return Page[LiveStreamOut](items=items, next_cursor=next_cursor(rows, page.limit))


@router.get("/{stream_id}", response_model=LiveStreamOut, responses=_ERRORS)
def get_live_stream(
    request: Request, session: DbSession, user: CurrentUser, stream_id: StreamId
) -> LiveStreamOut:
    return _out(request, live_service.get_visible_stream(session, user, stream_id))


def _preview_dir(request: Request, stream_id: str, token: str) -> LiveView:
    runtime = _runtime(request)
    require_token(runtime.settings, preview_subject(stream_id), token, "preview")
    node: LiveNode | None = getattr(request.app.state, "live_node", None)
    view = node.live_view(stream_id) if node is not None else None
    if view is None:
        raise NotFound("this stream is not being recorded here (it ended, or another node records it)")
    return view


@router.get("/{stream_id}/preview.m3u8", responses=_ERRORS)
def live_preview(request: Request, session: DbSession, stream_id: StreamId, token: Token = "") -> Response:
    """Low-latency HLS of the incoming stream for a PD's monitor (H.264 streams), signed like playback;
    pinned products ride along as `#EXT-X-DATERANGE` tags."""
    directory = _preview_dir(request, stream_id, token).directory
    # Never ENDLIST while the view exists: a publisher may come back within the grace period.
    playlist = preview_playlist(directory, finished=False, pins=pins_of(session, stream_id))
    if playlist is None:
        raise NotFound("no preview yet: the first segment is still being recorded (or the stream is VP8)")
    return signed_playlist(playlist, token, cache="no-cache")


@router.patch("/{stream_id}", response_model=LiveStreamOut, responses=_ERRORS)
def update_live_stream(
    request: Request, session: DbSession, user: CurrentUser, stream_id: StreamId, body: LiveStreamPatch
) -> LiveStreamOut:
    """Change the title, or the live captions before going live (`captions`: null turns them off)."""
    return _out(request, live_service.update_stream(session, user, stream_id, body))


@router.get("/{stream_id}/preview-master.m3u8", responses=_ERRORS)
def live_preview_master(request: Request, stream_id: StreamId, token: Token = "") -> Response:
    """A captioned stream's preview: the video playlist and a WebVTT rendition per caption language."""
    directory = _preview_dir(request, stream_id, token).directory
    master = captioned_master(directory, caption_languages(directory))
    if master is None:
        raise NotFound("no preview yet: the first segment is still being recorded (or the stream is VP8)")
    return signed_playlist(master, token, cache="no-cache")


@router.get("/{stream_id}/preview/captions/{language}.m3u8", responses=_ERRORS)
def live_captions_playlist(
    request: Request, stream_id: StreamId, language: Language, token: Token = ""
) -> Response:
    """The live captions of `language`: a WebVTT segment per video segment of the preview's window."""
    playlist = captions_playlist(_preview_dir(request, stream_id, token).directory, language)
    if playlist is None:
        raise NotFound(f"no live captions in {language!r}")
    return signed_playlist(playlist, token, cache="no-cache")


@router.get("/{stream_id}/preview/captions/{language}/{name}", responses=_ERRORS)
def live_captions_segment(
    request: Request, stream_id: StreamId, language: Language, name: CaptionName, token: Token = ""
) -> Response:
    path = caption_segment(_preview_dir(request, stream_id, token).directory, language, name)
    if path is None:
        raise NotFound("no such caption segment")
    return FileResponse(
        path, media_type="text/vtt; charset=utf-8", headers={"Cache-Control": "private, max-age=60"}
    )


@router.get("/{stream_id}/preview/{name}", responses=_ERRORS)
def live_preview_segment(
    request: Request, stream_id: StreamId, name: SegmentName, token: Token = ""
) -> Response:
    path = preview_segment(_preview_dir(request, stream_id, token).directory, name)
    if path is None:
        raise NotFound("no such preview segment (it may have slid out of the window)")
    return FileResponse(path, media_type="video/mp2t", headers={"Cache-Control": "private, max-age=60"})
