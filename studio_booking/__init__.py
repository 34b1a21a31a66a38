"""Studio booking: studios, bookings, calendars and the stream keys they issue (issue 6)."""
