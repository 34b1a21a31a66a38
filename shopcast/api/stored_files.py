"""Handing a stored object to a client behind a signed link: the token check, the whole file or one
byte range of it streamed from the store (never read into memory), and playlists whose URIs carry
the same token. Every route that serves a stored file (playback, thumbnails, clips, partner files,
source downloads, the live preview) answers through these."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import StreamingResponse

from shopcast.api.ranges import byte_range
from shopcast.errors import Forbidden, NotFound
from shopcast.media.playlist_signing import sign_playlist
from shopcast.settings import Settings
from shopcast.signing import verify
from shopcast.storage import ObjectStore

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
CACHE_PRIVATE = "private"
CACHE_PRIVATE_HOUR = "private, max-age=3600"


def require_token(settings: Settings, subject: str, token: str, what: str) -> None:
    """Forbidden unless `token` was signed for `subject` and has not expired; `what` names the link."""
    if not verify(settings.secret_key, subject, token):
        raise Forbidden(f"this {what} link is invalid or has expired", code="invalid_token")


def stored_size(store: ObjectStore, key: str | None, missing: str) -> int:
    """The size of the object at `key`; NotFound with `missing` when there is no key or no object."""
    size = store.size(key) if key is not None else None
    if size is None:
        raise NotFound(missing)
    return size


def attachment(filename: str) -> str:
    """A Content-Disposition for a name the caller has already made safe."""
    return f'attachment; filename="{filename}"'


def whole_file(
    store: ObjectStore,
    key: str,
    size: int,
    media_type: str,
    *,
    cache: str | None = CACHE_PRIVATE_HOUR,
    filename: str | None = None,
) -> StreamingResponse:
    """The object streamed from the store in full."""
    headers = {"Content-Length": str(size)}
    if cache is not None:
        headers["Cache-Control"] = cache
    if filename is not None:
        headers["Content-Disposition"] = attachment(filename)
    body = store.iter_range(key, 0, size - 1) if size else iter(())
    return StreamingResponse(body, media_type=media_type, headers=headers)


def ranged_file(
    store: ObjectStore,
    key: str,
    size: int,
    range_header: str | None,
    media_type: str,
    *,
    filename: str,
    cache: str | None = None,
) -> StreamingResponse:
    """A download that honours one `Range: bytes=` range (206 with Content-Range), so players can
    seek and downloads resume; the whole object otherwise. RangeNotSatisfiable (416) for a range
    outside it."""
    start, end, partial = byte_range(range_header, size)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start + 1 if size else 0),
        "Content-Disposition": attachment(filename),
    }
    if cache is not None:
        headers["Cache-Control"] = cache
    if partial:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    body = store.iter_range(key, start, end) if size else iter(())
    return StreamingResponse(
        body, status_code=206 if partial else 200, media_type=media_type, headers=headers
    )


def signed_playlist(text: str, token: str, *, cache: str = CACHE_PRIVATE) -> Response:
    """An HLS playlist whose URIs carry `token`, so the player's next requests are signed too."""
    return Response(sign_playlist(text, token), media_type=PLAYLIST_TYPE, headers={"Cache-Control": cache})
