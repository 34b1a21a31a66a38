"""Shopcast: a self-hostable media pipeline for live commerce."""

__version__ = "0.1.0"
