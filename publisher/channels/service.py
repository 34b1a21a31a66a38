"""Channels: a profile, a delivery target with its secrets encrypted, and the partners who may pull."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.channels.credentials import decrypt_credentials, encrypt_credentials
from publisher.channels.models import Channel, ChannelPartner, TargetType
from publisher.channels.profiles import ProfileError, resolve_profile
from publisher.publications.schemas import (
    ChannelAdminOut,
    ChannelIn,
    ChannelOut,
    ChannelView,
    HttpsTargetIn,
    S3TargetIn,
)
from shopcast.auth.models import Role, User
from shopcast.auth.service import Principal
from shopcast.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shopcast.settings import Settings
from shopcast.webhooks.address_guard import UnsafeWebhookUrl, check_url
from shopcast.webhooks.signing import new_secret

__all__ = [
    "channel_credentials",
    "create_channel",
    "get_visible",
    "list_visible",
    "partner_channel_ids",
    "to_out",
]


def create_channel(
    session: Session, settings: Settings, principal: Principal, body: ChannelIn
) -> tuple[Channel, dict[str, Any]]:
    """An admin's new channel; returns it with the secrets to show once (an https target's signing
    secret). Raises Forbidden for non-admins, ValidationFailed for a profile that does not match the
    schema, an unknown partner or an unsafe URL, Conflict for a name in use."""
    if principal.role is not Role.admin:
        raise Forbidden("only admins create channels", code="admin_only")
    try:
        profile = resolve_profile(body.profile)
    except ProfileError as exc:
        raise ValidationFailed(str(exc), code="invalid_profile") from exc
    target, secrets_, shown = _target(settings, body)
    channel = Channel(
        name=body.name,
        profile_name=profile.name,
        profile=profile.model_dump(mode="json"),
        target_type=TargetType(body.target.type),
        target=target,
        credentials=encrypt_credentials(settings.secret_key, secrets_) if secrets_ else None,
        created_by=principal.id,
        auto_publish_highlights=body.auto_publish_highlights,
    )
    session.add(channel)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"a channel named {body.name!r} already exists", code="channel_exists") from exc
    for partner_id in dict.fromkeys(body.partner_ids):
        user = session.get(User, partner_id)
        if user is None or user.role is not Role.partner:
            raise ValidationFailed(f"partner_ids: {partner_id} is not a partner", code="unknown_partner")
        session.add(ChannelPartner(channel_id=channel.id, user_id=partner_id))
    session.flush()
    return channel, shown


def _target(settings: Settings, body: ChannelIn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(what is stored in the clear, what is encrypted, what the creator sees once)."""
    target = body.target
    if isinstance(target, S3TargetIn):
        if target.endpoint_url:
            _vet(target.endpoint_url, settings)
        clear = target.model_dump(exclude={"secret_access_key"})
        clear["prefix"] = target.prefix.strip("/")
        return clear, {"secret_access_key": target.secret_access_key}, {}
    if isinstance(target, HttpsTargetIn):
        _require_https(target.url, settings)
        _vet(target.url, settings)
        secret = new_secret()
        return target.model_dump(), {"secret": secret}, {"secret": secret}
    return {"type": "pull"}, {}, {}


def _require_https(url: str, settings: Settings) -> None:
    # Plain http would send the media and its signature in the clear; it is only for receivers on
    # the operator's own network (and tests on loopback), where private addresses are allowed.
    if urlsplit(url).scheme.lower() != "https" and not settings.webhook_allow_private:
        raise ValidationFailed(
            "target: an https target's url must start with https://", code="https_required"
        )


def _vet(url: str, settings: Settings) -> None:
    try:
        check_url(url, settings.webhook_allow_private)
    except UnsafeWebhookUrl as exc:
        raise ValidationFailed(f"target: {exc}", code="unsafe_url") from exc


def partner_channel_ids(session: Session, principal: Principal) -> list[str] | None:
    """Channels whose publications `principal` may pull; None means all (admins)."""
    if principal.role is Role.admin:
        return None
    if principal.role is not Role.partner:
        return []
    return list(
        session.scalars(select(ChannelPartner.channel_id).where(ChannelPartner.user_id == principal.id))
    )


def get_visible(session: Session, principal: Principal, channel_id: str) -> Channel:
    """A channel by id: partners see only their own; raises NotFound otherwise."""
    channel = session.get(Channel, channel_id)
    if channel is None or not _may_see(session, principal, channel.id):
        raise NotFound("no such channel")
    return channel


def _may_see(session: Session, principal: Principal, channel_id: str) -> bool:
    if principal.role is not Role.partner:
        return True
    allowed = partner_channel_ids(session, principal)
    return allowed is None or channel_id in allowed


def list_visible(session: Session, principal: Principal, limit: int, cursor: str | None) -> list[Channel]:
    """Newest first; limit + 1 rows, so the caller can tell whether another page exists."""
    query = select(Channel).order_by(Channel.id.desc()).limit(limit + 1)
    if principal.role is Role.partner:
        query = query.where(Channel.id.in_(partner_channel_ids(session, principal) or []))
    if cursor:
        query = query.where(Channel.id < cursor)
    return list(session.scalars(query))


def channel_credentials(settings: Settings, channel: Channel) -> dict[str, Any]:
    """The channel's decrypted secrets; raises CredentialsUnreadable when the secret key changed."""
    return decrypt_credentials(settings.secret_key, channel.credentials) if channel.credentials else {}


def to_out(
    session: Session, principal: Principal, channel: Channel, shown: dict[str, Any] | None = None
) -> ChannelView:
    """The admin shape for admins; for everyone else the channel without its delivery target and
    partners (a bucket, access key id or endpoint is the operator's business, not a creator's)."""
    public = ChannelOut(
        id=channel.id,
        name=channel.name,
        profile=channel.profile_name,
        profile_spec=channel.profile,
        created_at=channel.created_at,
        auto_publish_highlights=channel.auto_publish_highlights,
    )
    if principal.role is not Role.admin:
        return public
    partners = session.scalars(select(ChannelPartner.user_id).where(ChannelPartner.channel_id == channel.id))
    return ChannelAdminOut(
        **public.model_dump(), target={**channel.target, **(shown or {})}, partner_ids=sorted(partners)
    )
