"""WHIP (RFC 9725): `POST /v1/live/whip` takes an SDP offer and answers `201` with the SDP answer.

The bearer token is a stream key. The session resource (`Location`) ends with a DELETE carrying the
same key (knowing the URL is not enough). This server gathers all of its ICE candidates before
answering, and a publisher's trickled candidates are not taken, so PATCH answers 405, as the RFC
allows.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ingest.live.whip_offer import InvalidOffer, UnsupportedOffer, parse_offer
from ingest.live.whip_sessions import WhipIngest
from shopcast.api.routes import Id, error_responses, setting_limits
from shopcast.auth.dependencies import bearer_token
from shopcast.errors import NotFound, PayloadTooLarge, ShopcastError

router = APIRouter(prefix="/v1/live/whip", tags=["live"])
SessionId = Id
_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415)
_SDP = "application/sdp"
# The route reads the body itself (415 unsupported_media_type, 413 too_large, 400 invalid_sdp):
# this only describes it, its length limit being the server's live_max_offer_bytes.
_OFFER_BODY = {
    "requestBody": {
        "required": True,
        "description": "the SDP offer (RFC 8866), UTF-8 text of at most live_max_offer_bytes bytes",
        "content": {
            _SDP: {
                "schema": {
                    "type": "string",
                    "pattern": "^v=0",
                    **setting_limits(maxLength="live_max_offer_bytes"),
                }
            }
        },
    }
}


class MethodNotAllowed(ShopcastError):
    status = 405
    default_code = "method_not_allowed"


def _node(request: Request) -> WhipIngest:
    node: WhipIngest | None = getattr(request.app.state, "whip", None)
    if node is None:
        raise NotFound("live ingest is not running in this process")
    return node


def _ice_links(node: WhipIngest) -> dict[str, str]:
    links = [f'<{url}>; rel="ice-server"' for url in node.ice_servers]
    return {"Link": ", ".join(links)} if links else {}


async def _offer_text(request: Request, limit: int) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != _SDP:
        raise UnsupportedOffer(f"send the offer as {_SDP}", code="unsupported_media_type")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"an SDP offer is at most {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"an SDP offer is at most {limit} bytes")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidOffer("the SDP offer is not UTF-8 text", code="invalid_sdp") from None


@router.options("", status_code=204, response_class=Response)
def whip_options(request: Request) -> Response:
    """What a publisher may send here; browsers' CORS preflights are answered by the CORS layer."""
    headers = {"Accept-Post": _SDP, "Allow": "OPTIONS, POST"}
    node: WhipIngest | None = getattr(request.app.state, "whip", None)
    if node is not None:
        headers |= _ice_links(node)
    return Response(status_code=204, headers=headers)


@router.post("", status_code=201, response_class=Response, responses=_ERRORS, openapi_extra=_OFFER_BODY)
async def whip_publish(request: Request) -> Response:
    """Go live: the body is an SDP offer (H.264 or VP8 video, Opus audio), the bearer token the
    stream key. `401` unknown key, `403` outside its booking window, `409` already live."""
    node = _node(request)
    key = bearer_token(request)
    offer = parse_offer(await _offer_text(request, node.node.runtime.settings.live_max_offer_bytes))
    session, answer = await node.publish(key, offer)
    headers = {"Location": f"/v1/live/whip/{session.id}", "ETag": session.etag, **_ice_links(node)}
    return Response(answer, status_code=201, media_type=_SDP, headers=headers)


@router.delete("/{session_id}", status_code=200, response_class=Response, responses=_ERRORS)
async def whip_stop(request: Request, session_id: SessionId) -> Response:
    """End the session; the recording becomes an asset. The bearer token is the stream key the
    session was published with, as for the POST: `401` without one, `404` for an unknown session or
    another key, and the session goes on."""
    node = _node(request)
    node.session_for(session_id)  # an ended session is 404 whoever asks, as before any credential
    key = bearer_token(request)
    # FFmpeg 9's whip muxer logs "Failed to read response from DELETE" whatever the answer (seen
    # with 200 and 204, with and without a body, from two HTTP servers); the DELETE arrives all the same.
    node.end(session_id, key)
    return Response(status_code=200)


@router.patch("/{session_id}", status_code=405, response_class=Response, responses=_ERRORS)
def whip_patch(session_id: SessionId) -> Response:
    """Trickle ICE and ICE restarts are not supported (the answer carries every candidate)."""
    raise MethodNotAllowed(
        "this server sends all ICE candidates in its answer and takes no trickled ones",
        headers={"Allow": "DELETE"},
    )
