"""Studios and slots for booking tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx


def make_studio(admin: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = admin.post("/v1/studios", json={"name": "Studio A", **fields})
    assert response.status_code == 201, response.text
    studio: dict[str, Any] = response.json()
    return studio


def future_slot(days: int, hour: int, hours: float = 1.0, zone: str = "Asia/Seoul") -> tuple[str, str]:
    """A slot `days` from now at `hour` local time, as RFC 3339 strings with offsets."""
    day = datetime.now(ZoneInfo(zone)).date() + timedelta(days=days)
    start = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone))
    return start.isoformat(), (start + timedelta(hours=hours)).isoformat()


def book(client: httpx.Client, studio_id: str, starts_at: str, ends_at: str) -> httpx.Response:
    return client.post(
        "/v1/bookings", json={"studio_id": studio_id, "starts_at": starts_at, "ends_at": ends_at}
    )
