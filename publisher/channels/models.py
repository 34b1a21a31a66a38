"""Channels: a profile, a delivery target, and the partners who may pull."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow
from shopcast.ids import new_id


class TargetType(enum.StrEnum):
    s3 = "s3"
    https = "https"
    pull = "pull"


class Channel(Base):
    __tablename__ = "channels"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    profile_name: Mapped[str] = mapped_column(String(64))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)  # the validated profile, frozen at creation
    target_type: Mapped[TargetType] = mapped_column(Enum(TargetType, native_enum=False, length=16))
    target: Mapped[dict[str, Any]] = mapped_column(JSON)  # the target without its secrets
    credentials: Mapped[str | None] = mapped_column(Text)  # secrets, encrypted with the service secret
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # accepted highlights' shorts are published here as soon as they are rendered
    auto_publish_highlights: Mapped[bool] = mapped_column(Boolean, default=False)


class ChannelPartner(Base):
    __tablename__ = "channel_partners"

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
