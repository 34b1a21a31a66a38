"""Channels that take accepted highlights: once a highlight's short is rendered, it is published to
every channel with `auto_publish_highlights`, as the PD who accepted it would have published it.

Transcode tells the publisher in the transaction that makes the clip ready (`set_short_listener`);
the publications are made by a `publish_highlight` job in transactions of their own, one per
channel, so one channel's refusal (the accepter can no longer see the clip) stops no other; a clip
that does not fit a channel's profile fails there later, at its render, as any publication would.
A job run twice finds the publications of its first run (one live publication per clip and channel).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.channels.models import Channel
from publisher.publications.schemas import PublicationIn
from publisher.publications.service import create_publication
from shopcast.auth.models import User
from shopcast.auth.service import Principal
from shopcast.db import transaction
from shopcast.errors import ShopcastError
from shopcast.jobs.service import create_job
from shopcast.runtime import Runtime

AUTO_KIND = "publish_highlight"
_log = logging.getLogger(__name__)


def queue_auto_publication(session: Session, clip_id: str, accepted_by: str, max_attempts: int = 3) -> None:
    """Queue the short's publications, when any channel takes highlights."""
    if session.scalar(select(Channel.id).where(Channel.auto_publish_highlights.is_(True)).limit(1)) is None:
        return
    params = {"clip_id": clip_id, "user_id": accepted_by}
    create_job(session, AUTO_KIND, asset_id=None, max_attempts=max_attempts, params=params)


def publish_to_highlight_channels(runtime: Runtime, clip_id: str, user_id: str) -> list[str]:
    """The ids of the publications made (or found) for the clip on the channels that take highlights."""
    with runtime.sessions() as session:
        user = session.get(User, user_id)
        channel_ids = list(
            session.scalars(select(Channel.id).where(Channel.auto_publish_highlights.is_(True)))
        )
        principal = Principal(id=user.id, name=user.name, role=user.role) if user is not None else None
    if principal is None:
        return []
    made: list[str] = []
    for channel_id in channel_ids:
        try:
            with transaction(runtime.sessions) as session:
                body = PublicationIn(clip_id=clip_id, channel_id=channel_id)
                publication, _created = create_publication(session, runtime.settings, principal, body)
                made.append(publication.id)
        except ShopcastError as exc:
            _log.warning("highlight %s not published to channel %s: %s", clip_id, channel_id, exc)
    return made
