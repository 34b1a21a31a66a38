"""Web pages for creators, PDs and partners, served by the API app: server-rendered shells in
Korean or English whose small ES modules call the same `/v1` API with the caller's token."""

from shopcast.web.pages import mount_web

__all__ = ["mount_web"]
