"""What partners pull: delivered publications of their channels, with expiring signed file URLs, and
the revocable tokens that let feed readers (which cannot send headers) read a channel's feed."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime

from pydantic import Field
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from publisher.channels import service as channels_service
from publisher.channels.models import Channel, ChannelPartner
from publisher.partner.models import FeedToken
from publisher.publications.models import Publication, PublicationReceipt, PublicationState
from publisher.publications.plans import OutputFile
from publisher.publications.schemas import FeedTokenOut, PartnerClipOut, SubtitleLink
from publisher.publications.sources import subject_of
from shopcast.auth.models import Role, User
from shopcast.auth.service import Principal
from shopcast.db import utcnow
from shopcast.embed_links import EmbedKind, embed_url
from shopcast.errors import Forbidden, NotFound
from shopcast.settings import Settings
from shopcast.signing import sign, verify

__all__ = [
    "FEED_TOKEN_PREFIX",
    "PartnerItemOut",
    "create_feed_token",
    "delivered_for",
    "delivered_to_channels_of",
    "feed_channel",
    "file_subject",
    "partner_view",
    "revoke_feed_token",
    "verified_file",
]

FEED_TOKEN_PREFIX = "scf_"  # noqa: S105 - a prefix, not a secret


class PartnerItemOut(PartnerClipOut):
    embed_url: str | None = Field(
        default=None, description="the shoppable embed player for an iframe: signed, expiring (embed_ttl_s)"
    )


def delivered_to_channels_of(session: Session, principal: Principal, kind: EmbedKind, object_id: str) -> bool:
    """Whether a publication of this asset (itself, not a clip of it) or clip was delivered to one of
    the principal's channels (any channel for admins)."""
    allowed = channels_service.partner_channel_ids(session, principal)
    query = select(Publication.id).where(Publication.state == PublicationState.delivered)
    if kind == "clip":
        query = query.where(Publication.clip_id == object_id)
    else:
        query = query.where(Publication.asset_id == object_id, Publication.clip_id.is_(None))
    if allowed is not None:
        query = query.where(Publication.channel_id.in_(allowed))
    return session.scalars(query.limit(1)).first() is not None


def delivered_for(
    session: Session, allowed: list[str] | None, limit: int, cursor: str | None, channel_id: str | None = None
) -> list[Publication]:
    """Delivered publications of the allowed channels (None: all), newest first, limit + 1 rows."""
    query = (
        select(Publication)
        .where(Publication.state == PublicationState.delivered)
        .order_by(Publication.id.desc())
        .limit(limit + 1)
    )
    if allowed is not None:
        query = query.where(Publication.channel_id.in_(allowed))
    if channel_id is not None:
        query = query.where(Publication.channel_id == channel_id)
    if cursor:
        query = query.where(Publication.id < cursor)
    return list(session.scalars(query))


def file_subject(publication_id: str, name: str) -> str:
    """What a partner file URL's token signs: that one file of that one publication."""
    return f"publication-file:{publication_id}:{name}"


def _signed(settings: Settings, publication_id: str, name: str, ttl_s: int) -> str:
    token = sign(settings.secret_key, file_subject(publication_id, name), ttl_s)
    return f"{settings.public_url}/v1/partner/files/{publication_id}/{name}?token={token}"


def partner_view(
    session: Session, settings: Settings, publication: Publication, ttl_s: int
) -> PartnerItemOut:
    """The partner's shape of a delivered publication; its URLs expire after `ttl_s` seconds."""
    channel = session.get(Channel, publication.channel_id)
    files = [OutputFile.from_json(f) for f in publication.files or []]
    media = files[0]
    poster = next((f for f in files if f.content_type == "image/jpeg"), None)
    subject = subject_of(session, publication.clip_id, None if publication.clip_id else publication.asset_id)
    receipt = session.scalars(
        select(PublicationReceipt).where(PublicationReceipt.publication_id == publication.id)
    ).first()
    languages: dict[str, SubtitleLink] = {}
    for file in files:
        if file.language is not None:
            link = languages.setdefault(file.language, SubtitleLink(language=file.language))
            url = _signed(settings, publication.id, file.name, ttl_s)
            if file.name.endswith(".srt"):
                link.srt_url = url
            else:
                link.vtt_url = url
    embed = (
        embed_url(settings, "clip", publication.clip_id)
        if publication.clip_id
        else embed_url(settings, "asset", publication.asset_id)
    )
    return PartnerItemOut(
        embed_url=embed,
        id=publication.id,
        clip_id=publication.clip_id,
        asset_id=publication.asset_id,
        channel=channel.name if channel else "",
        title=subject.title if subject else None,
        duration_s=publication.duration_s,
        content_type=media.content_type,
        file_size=media.size,
        download_url=_signed(settings, publication.id, media.name, ttl_s),
        thumbnail_url=_signed(settings, publication.id, poster.name, ttl_s) if poster else None,
        expires_at=datetime.fromtimestamp(int(time.time()) + ttl_s, UTC),
        products=subject.products if subject else [],
        subtitles=list(languages.values()),
        delivered_at=receipt.delivered_at if receipt else None,
    )


def verified_file(
    session: Session, settings: Settings, publication_id: str, name: str, token: str
) -> tuple[str, OutputFile]:
    """(object key, file) for a signed URL; Forbidden for a bad or expired token, NotFound for a file
    that is gone."""
    if not verify(settings.secret_key, file_subject(publication_id, name), token):
        raise Forbidden("the link is invalid or has expired", code="link_expired")
    publication = session.get(Publication, publication_id)
    files = [OutputFile.from_json(f) for f in (publication.files or [])] if publication else []
    found = next((f for f in files if f.name == name), None)
    if publication is None or publication.output_prefix is None or found is None:
        raise NotFound("no such file")
    return f"{publication.output_prefix}/{name}", found


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed_token(session: Session, principal: Principal, channel_id: str) -> tuple[FeedToken, str]:
    """A token for one of the partner's channels' feed; returned once, stored hashed."""
    if principal.role not in (Role.partner, Role.admin):
        raise NotFound("no such channel")
    channel = channels_service.get_visible(session, principal, channel_id)
    token = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = FeedToken(user_id=principal.id, channel_id=channel.id, token_hash=_hash(token))
    session.add(row)
    session.flush()
    return row, token


def revoke_feed_token(session: Session, principal: Principal, token_id: str) -> None:
    row = session.get(FeedToken, token_id)
    if row is None or (principal.role is not Role.admin and row.user_id != principal.id):
        raise NotFound("no such feed token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def feed_token_out(row: FeedToken, settings: Settings, token: str | None = None) -> FeedTokenOut:
    url = (
        f"{settings.public_url}/v1/partner/feed.xml?channel={row.channel_id}&token={token}" if token else None
    )
    return FeedTokenOut(
        id=row.id,
        channel_id=row.channel_id,
        token=token,
        feed_url=url,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def feed_channel(
    session: Session, channel_ref: str, principal: Principal | None, feed_token: str | None
) -> Channel:
    """The channel a feed request may read, by id or name: the caller is one of its partners (or an
    admin), or holds an unrevoked feed token for it. NotFound otherwise."""
    channel = (
        session.get(Channel, channel_ref)
        or session.scalars(select(Channel).where(Channel.name == channel_ref)).first()
    )
    if channel is None:
        raise NotFound("no such channel")
    if principal is not None:
        allowed = channels_service.partner_channel_ids(session, principal)
        if allowed is not None and channel.id not in allowed:
            raise NotFound("no such channel")
        return channel
    if _live_feed_token(session, channel.id, feed_token or "") is None:
        raise NotFound("no such channel")
    return channel


def _live_feed_token(session: Session, channel_id: str, feed_token: str) -> FeedToken | None:
    """The unrevoked token for the channel, if its user may still read the channel: an admin, or a
    partner still on the channel (a partner removed from it loses its feed tokens' access too)."""
    partner_of_channel = and_(
        User.role == Role.partner,
        select(ChannelPartner.user_id)
        .where(ChannelPartner.channel_id == FeedToken.channel_id, ChannelPartner.user_id == FeedToken.user_id)
        .exists(),
    )
    query = (
        select(FeedToken)
        .join(User, User.id == FeedToken.user_id)
        .where(
            FeedToken.token_hash == _hash(feed_token),
            FeedToken.revoked_at.is_(None),
            FeedToken.channel_id == channel_id,
            or_(User.role == Role.admin, partner_of_channel),
        )
    )
    return session.scalars(query).first()
