"""Ingest: tus uploads, assets, probing and input validation (live WHIP sessions come later)."""
