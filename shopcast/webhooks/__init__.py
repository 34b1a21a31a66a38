"""Webhooks: endpoints that creators, PDs and admins register, and signed, retried delivery of events."""
