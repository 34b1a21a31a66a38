"""`/v1/live-streams/{id}/products`: pin a product now, end the current pin, list a show's pins."""

from __future__ import annotations

from fastapi import APIRouter, Response

from commerce.pins import service
from commerce.pins.schemas import PinIn, PinOut, PinsOut
from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession

router = APIRouter(prefix="/v1/live-streams", tags=["products"])
_ERRORS = error_responses(401, 403, 404, 409, 422)


@router.post("/{stream_id}/products", status_code=201, response_model=PinOut, responses=_ERRORS)
def pin_product(session: DbSession, user: CurrentUser, stream_id: Id, body: PinIn) -> PinOut:
    """Pin a product now (creators, their PDs, admins); the previous pin ends here. The live preview
    carries it as an `#EXT-X-DATERANGE` from its next playlist on."""
    return service.pin_product(session, user, stream_id, body)


@router.delete("/{stream_id}/products/current", status_code=204, response_class=Response, responses=_ERRORS)
def end_current_pin(session: DbSession, user: CurrentUser, stream_id: Id) -> Response:
    service.end_current(session, user, stream_id)
    return Response(status_code=204)


@router.get("/{stream_id}/products", response_model=PinsOut, responses=_ERRORS)
def list_pins(session: DbSession, user: CurrentUser, stream_id: Id) -> PinsOut:
    return PinsOut(products=service.list_pins(session, user, stream_id))
