"""Every table, imported in one place for Alembic and for tests that build schemas."""

from commerce.catalogue.models import CatalogueProduct
from commerce.pins.models import ProductPin
from commerce.stats.models import ViewerMark, ViewerSession
from ingest.assets.models import Asset
from ingest.live.models import LiveStream
from ingest.restream.models import Destination, SavedDestination
from ingest.uploads.models import Upload
from publisher.channels.models import Channel, ChannelPartner
from publisher.partner.models import FeedToken
from publisher.publications.models import Publication, PublicationReceipt
from shopcast.api.idempotency import IdempotencyRecord
from shopcast.auth.models import PdAssignment, SigninAttempt, SigninLink, User, WebSession
from shopcast.events.models import Event
from shopcast.jobs.models import Job
from shopcast.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from studio_booking.models import Booking, CalendarFeed, Studio
from transcode.clips.models import Clip
from transcode.highlights.models import Highlight
from transcode.hls.models import HlsOutput
from transcode.subtitles.models import SubtitleLeftover, SubtitleTrack
from transcode.thumbnails.models import ThumbnailOutput

__all__ = [
    "Asset",
    "Booking",
    "CalendarFeed",
    "CatalogueProduct",
    "Channel",
    "ChannelPartner",
    "Clip",
    "Destination",
    "Event",
    "FeedToken",
    "Highlight",
    "HlsOutput",
    "IdempotencyRecord",
    "Job",
    "LiveStream",
    "PdAssignment",
    "ProductPin",
    "Publication",
    "PublicationReceipt",
    "SavedDestination",
    "SigninAttempt",
    "SigninLink",
    "Studio",
    "SubtitleLeftover",
    "SubtitleTrack",
    "ThumbnailOutput",
    "Upload",
    "User",
    "ViewerMark",
    "ViewerSession",
    "WebSession",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
]
