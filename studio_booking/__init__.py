"""Studio booking: studios, bookings, calendars and the stream keys they issue.

Other packages use only what `__all__` lists (held by import-linter in `make lint`).
"""

from studio_booking.api import router
from studio_booking.stream_keys import booking_for_stream_key

__all__ = ["booking_for_stream_key", "router"]
