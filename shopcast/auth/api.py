"""Who the caller is (`GET /v1/me`), and the admin API for who works with whom: PDs assigned to
creators (docs/architecture.md, Packages and what each owns)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from shopcast.api.nul_refusal import RequestModel
from shopcast.api.routes import error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.auth.models import Role
from shopcast.auth.service import Principal, assign_pd, assignments, unassign_pd
from shopcast.errors import Forbidden

router = APIRouter(prefix="/v1/admin/pd-assignments", tags=["admin"])
me_router = APIRouter(prefix="/v1/me", tags=["users"])
_ERRORS = error_responses(401, 403, 404, 422)
Name = Annotated[str, Query(min_length=1, max_length=100)]


class Assignment(RequestModel):
    pd: str = Field(min_length=1, max_length=100)
    creator: str = Field(min_length=1, max_length=100)


class Assignments(BaseModel):
    items: list[Assignment]


class Me(BaseModel):
    id: str
    name: str
    role: Role


@me_router.get("", response_model=Me, responses=_ERRORS)
def who_am_i(user: CurrentUser) -> Me:
    """The caller's name and role, so a client (the web pages) shows what that role may do."""
    return Me(id=user.id, name=user.name, role=user.role)


def _admin(user: Principal) -> None:
    if user.role is not Role.admin:
        raise Forbidden("only admins assign PDs to creators")


@router.get("", response_model=Assignments, responses=_ERRORS)
def list_assignments(session: DbSession, user: CurrentUser) -> Assignments:
    _admin(user)
    return Assignments(items=[Assignment(pd=p, creator=c) for p, c in assignments(session)])


@router.post("", status_code=201, response_model=Assignment, responses=_ERRORS)
def create_assignment(session: DbSession, user: CurrentUser, body: Assignment) -> Assignment:
    """Let the PD see and act on the creator's assets, clips and events (assigning twice is harmless)."""
    _admin(user)
    assign_pd(session, body.pd, body.creator)
    return body


@router.delete("", status_code=204, response_class=Response, responses=_ERRORS)
def delete_assignment(session: DbSession, user: CurrentUser, pd: Name, creator: Name) -> Response:
    _admin(user)
    unassign_pd(session, pd, creator)
    return Response(status_code=204)
