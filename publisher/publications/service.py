"""Publications: creating them (idempotently per clip and channel), reading them as their owners and
their channels' partners may, and the state changes of their `render_publication` and
`deliver_publication` jobs, with `publication.delivered` / `publication.failed` events.

A publication's conformed files go under a prefix of the job that rendered them, inside the asset's
folder (deleting the asset deletes them too); the delivered files are named after the clip (or asset),
so delivering the same clip to the same channel again writes the same keys.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.channels import service as channels_service
from publisher.channels.models import Channel
from publisher.channels.profiles import Profile
from publisher.publications.models import Publication, PublicationReceipt, PublicationState
from publisher.publications.plans import (
    ConformPlan,
    DeliveryPlan,
    OutputFile,
    Receipt,
    Rendered,
    Violation,
)
from publisher.publications.schemas import PublicationIn, PublicationOut, ReceiptOut
from publisher.publications.sources import Subject, find_subject, subject_of, subtitle_sources
from shopcast.auth import ownership
from shopcast.auth.models import Role
from shopcast.auth.service import Principal, visible_owner_ids
from shopcast.errors import Conflict, ErrorInfo, NotFound, error_info
from shopcast.events.service import emit
from shopcast.jobs.models import Job
from shopcast.jobs.service import create_job
from shopcast.settings import Settings

RENDER_KIND = "render_publication"
DELIVER_KIND = "deliver_publication"
_ACTIVE = (PublicationState.queued, PublicationState.rendering, PublicationState.delivering)
_LIVE = (*_ACTIVE, PublicationState.delivered)


def create_publication(
    session: Session, settings: Settings, principal: Principal, body: PublicationIn
) -> tuple[Publication, bool]:
    """A queued publication and its render job; or the existing one for the same clip (or asset) and
    channel that has not failed. Returns (publication, created). Raises NotFound for a clip, asset or
    channel the principal may not see, Conflict for one that is not ready."""
    if principal.role is Role.partner:
        raise NotFound("no such channel")
    channel = channels_service.get_visible(session, principal, body.channel_id)
    subject = find_subject(session, principal, body.clip_id, body.asset_id)
    existing = _live_publication(session, channel.id, subject)
    if existing is not None:
        return existing, False
    publication = _insert_publication(session, principal, channel, subject, body.fit)
    if publication is None:
        winner = _live_publication(session, channel.id, subject)
        if winner is None:
            raise Conflict("the publication could not be created; retry", code="publication_conflict")
        return winner, False
    _queue_render(session, settings, publication)
    return publication, True


def _insert_publication(
    session: Session, principal: Principal, channel: Channel, subject: Subject, fit: str | None
) -> Publication | None:
    """The new queued publication; None when a concurrent request published the same subject to the
    channel first (the unique index of live publications), with this transaction rolled back."""
    publication = Publication(
        channel_id=channel.id,
        owner_id=subject.owner_id,
        created_by=principal.id,
        asset_id=subject.asset_id,
        clip_id=subject.clip_id,
        state=PublicationState.queued,
        fit=fit,
        violations=[],
    )
    session.add(publication)
    try:
        session.flush()
    except IntegrityError:
        # The failed insert aborted the transaction; the caller looks the winner up in a fresh one.
        session.rollback()
        return None
    return publication


def _queue_render(session: Session, settings: Settings, publication: Publication) -> None:
    job = create_job(
        session,
        RENDER_KIND,
        asset_id=publication.asset_id,
        max_attempts=settings.job_max_attempts,
        params={"publication_id": publication.id},
    )
    publication.render_job_id = job.id


def _live_publication(session: Session, channel_id: str, subject: Subject) -> Publication | None:
    """The publication of the subject to the channel that has not failed, if there is one."""
    return session.scalars(
        select(Publication).where(
            Publication.channel_id == channel_id,
            Publication.asset_id == subject.asset_id,
            Publication.clip_id.is_(None)
            if subject.clip_id is None
            else Publication.clip_id == subject.clip_id,
            Publication.state.in_(_LIVE),
        )
    ).first()


def get_visible(session: Session, principal: Principal, publication_id: str) -> Publication:
    """Owners (and their PDs, admins) see a publication; partners see only the delivered ones of
    their channels (what reached them), never another owner's queued or failed work."""
    if principal.role is Role.partner:
        return delivered_to_partner(session, principal, publication_id)
    return ownership.get_visible(
        session, principal, Publication, publication_id, Publication.owner_id, "publication"
    )


def list_visible(
    session: Session, principal: Principal, limit: int, cursor: str | None, channel_id: str | None = None
) -> list[Publication]:
    """Newest first; limit + 1 rows, so the caller can tell whether another page exists."""
    query = select(Publication).order_by(Publication.id.desc()).limit(limit + 1)
    if principal.role is Role.partner:
        channels = channels_service.partner_channel_ids(session, principal) or []
        query = query.where(
            Publication.channel_id.in_(channels), Publication.state == PublicationState.delivered
        )
    else:
        owners = visible_owner_ids(session, principal)
        if owners is not None:
            query = query.where(Publication.owner_id.in_(owners))
    if cursor:
        query = query.where(Publication.id < cursor)
    if channel_id:
        query = query.where(Publication.channel_id == channel_id)
    return list(session.scalars(query))


def delivered_to_partner(session: Session, principal: Principal, publication_id: str) -> Publication:
    """A delivered publication of one of the partner's channels (any channel for admins); NotFound
    otherwise, so a partner cannot tell a failed or pending publication from one that never existed."""
    publication = session.get(Publication, publication_id)
    allowed = channels_service.partner_channel_ids(session, principal)
    if (
        publication is None
        or publication.state is not PublicationState.delivered
        or (allowed is not None and publication.channel_id not in allowed)
    ):
        raise NotFound("no such clip")
    return publication


def profile_of(channel: Channel) -> Profile:
    return Profile.model_validate(channel.profile)


def delivered_name(publication: Publication, extension: str) -> str:
    """The delivered file's stem and extension: the clip's (or asset's) id, so re-publishing the same
    clip to the same channel writes the same key."""
    return f"{publication.clip_id or publication.asset_id}.{extension}"


def start_render(session: Session, publication_id: str) -> ConformPlan | None:
    """Move the publication to `rendering` and say what to render; None when it or its media is gone."""
    publication = session.get(Publication, publication_id)
    channel = session.get(Channel, publication.channel_id) if publication is not None else None
    if publication is None or channel is None:
        return None
    subject = subject_of(session, publication.clip_id, None if publication.clip_id else publication.asset_id)
    if subject is None:
        return None
    profile = profile_of(channel)
    spoken, subtitles = subtitle_sources(session, subject.asset_id)
    if publication.state is PublicationState.queued:
        publication.state = PublicationState.rendering
    return ConformPlan(
        publication_id=publication.id,
        asset_id=subject.asset_id,
        source_key=subject.media_key,
        duration_s=subject.duration_s,
        has_audio=subject.has_audio,
        interlaced=subject.interlaced,
        profile=profile,
        fit=publication.fit or profile.picture.fit,
        focus_x=subject.focus_x,
        media_name=delivered_name(publication, profile.extension),
        spoken_language=spoken,
        subtitles=subtitles,
        ranges=subject.ranges,
        subtitles_burned=subject.subtitles_burned,
        products=subject.products,
    )


def render_prefix(asset_id: str, publication_id: str, job_id: str) -> str:
    return f"assets/{asset_id}/publications/{publication_id}/{job_id}"


def record_render(
    session: Session, settings: Settings, publication_id: str, rendered: Rendered
) -> str | None:
    """A conforming render queues the delivery; violations fail the publication instead. Returns a
    prefix nothing points at any more (replaced outputs), for deletion after commit."""
    publication = session.get(Publication, publication_id)
    if publication is None:
        return rendered.prefix
    if publication.state not in (PublicationState.queued, PublicationState.rendering):
        # Settled by an earlier run of the job: these files are spare unless that run wrote them.
        return rendered.prefix if rendered.prefix != publication.output_prefix else None
    if rendered.violations:
        violations = [v.to_json() for v in rendered.violations]
        names = ", ".join(v.code for v in rendered.violations)
        fail_publication(session, publication_id, "not_conforming", f"violations: {names}", violations)
        return rendered.prefix
    replaced = publication.output_prefix if publication.output_prefix != rendered.prefix else None
    publication.output_prefix = rendered.prefix
    publication.files = [f.to_json() for f in rendered.files]
    publication.duration_s = rendered.duration_s
    publication.violations = []
    publication.state = PublicationState.delivering
    job = create_job(
        session,
        DELIVER_KIND,
        asset_id=publication.asset_id,
        max_attempts=settings.job_max_attempts,
        params={"publication_id": publication.id},
    )
    publication.deliver_job_id = job.id
    return replaced


def start_delivery(session: Session, settings: Settings, publication_id: str) -> DeliveryPlan | None:
    """What to deliver where; None when the publication is gone, not rendered, or already delivered."""
    publication = session.get(Publication, publication_id)
    if publication is None or publication.output_prefix is None or publication.files is None:
        return None
    if session.scalar(
        select(PublicationReceipt.id).where(PublicationReceipt.publication_id == publication.id)
    ):
        return None
    channel = session.get(Channel, publication.channel_id)
    if channel is None:
        return None
    return DeliveryPlan(
        publication_id=publication.id,
        target_type=channel.target_type.value,
        target=dict(channel.target),
        credentials=channels_service.channel_credentials(settings, channel),
        prefix=publication.output_prefix,
        files=[OutputFile.from_json(f) for f in publication.files],
        base_name=delivered_name(publication, "x").rsplit(".", 1)[0],
    )


def record_delivery(session: Session, publication_id: str, receipt: Receipt) -> None:
    """Store the receipt (once) and emit `publication.delivered`."""
    publication = session.get(Publication, publication_id)
    if publication is None:
        return
    if session.scalar(
        select(PublicationReceipt.id).where(PublicationReceipt.publication_id == publication.id)
    ):
        return
    row = PublicationReceipt(
        publication_id=publication.id,
        url=receipt.url,
        key=receipt.key,
        size=receipt.size,
        sha256=receipt.sha256,
        etag=receipt.etag,
        sidecars=receipt.sidecars,
    )
    session.add(row)
    session.flush()
    publication.state, publication.error_code, publication.error_message = (
        PublicationState.delivered,
        None,
        None,
    )
    data = {**_event_data(publication), "receipt": _receipt_view(row)}
    emit(
        session, "publication.delivered", owner_id=publication.owner_id, subject_id=publication.id, data=data
    )


def fail_publication(
    session: Session,
    publication_id: str,
    code: str,
    message: str,
    violations: list[dict[str, Any]] | None = None,
) -> None:
    """The publication is `failed` with the reason (and violations), and `publication.failed` says so."""
    publication = session.get(Publication, publication_id)
    if publication is None or publication.state in (PublicationState.delivered, PublicationState.failed):
        return
    publication.state, publication.error_code, publication.error_message = (
        PublicationState.failed,
        code,
        message,
    )
    if violations is not None:
        publication.violations = violations
    data = {
        **_event_data(publication),
        "error": ErrorInfo(code=code, message=message).model_dump(),
        "violations": publication.violations,
    }
    emit(session, "publication.failed", owner_id=publication.owner_id, subject_id=publication.id, data=data)


def _event_data(publication: Publication) -> dict[str, Any]:
    return {
        "id": publication.id,
        "channel_id": publication.channel_id,
        "clip_id": publication.clip_id,
        "asset_id": publication.asset_id,
    }


def receipt_of(session: Session, publication_id: str) -> PublicationReceipt | None:
    return session.scalars(
        select(PublicationReceipt).where(PublicationReceipt.publication_id == publication_id)
    ).first()


def _receipt_view(row: PublicationReceipt) -> dict[str, Any]:
    return ReceiptOut(
        url=row.url,
        key=row.key,
        size=row.size,
        sha256=row.sha256,
        etag=row.etag,
        delivered_at=row.delivered_at,
        sidecars=row.sidecars,
    ).model_dump(mode="json")


def to_out(session: Session, publication: Publication) -> PublicationOut:
    channel = session.get(Channel, publication.channel_id)
    receipt = receipt_of(session, publication.id)
    job_id = publication.deliver_job_id or publication.render_job_id
    job = session.get(Job, job_id) if job_id else None
    progress = 1.0 if publication.state is PublicationState.delivered else (job.progress if job else 0.0)
    error = error_info(publication.error_code, publication.error_message)
    return PublicationOut.model_validate(
        {
            "id": publication.id,
            "state": publication.state.value,
            "channel_id": publication.channel_id,
            "clip_id": publication.clip_id,
            "asset_id": publication.asset_id,
            "profile": channel.profile_name if channel else "",
            "progress": progress,
            "violations": [Violation(**v).to_json() for v in publication.violations],
            "receipt": _receipt_view(receipt) if receipt else None,
            "error": error,
            "created_at": publication.created_at,
            "updated_at": publication.updated_at,
        }
    )
