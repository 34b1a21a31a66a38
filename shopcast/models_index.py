"""Every table, imported in one place for Alembic and for tests that build schemas."""

from ingest.live_models import LiveStream
from ingest.models import Asset, Upload
from publisher.models import Channel, ChannelPartner, FeedToken, Publication, PublicationReceipt
from shopcast.api.idempotency import IdempotencyRecord
from shopcast.auth.models import PdAssignment, User
from shopcast.events.models import Event
from shopcast.jobs.models import Job
from shopcast.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from studio_booking.models import Booking, CalendarFeed, Studio
from transcode.clip_models import Clip
from transcode.models import HlsOutput, SubtitleTrack, ThumbnailOutput

__all__ = [
    "Asset",
    "Booking",
    "CalendarFeed",
    "Channel",
    "ChannelPartner",
    "Clip",
    "Event",
    "FeedToken",
    "HlsOutput",
    "IdempotencyRecord",
    "Job",
    "LiveStream",
    "PdAssignment",
    "Publication",
    "PublicationReceipt",
    "Studio",
    "SubtitleTrack",
    "ThumbnailOutput",
    "Upload",
    "User",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
]
