"""A slot goes to exactly one of many simultaneous requests, on PostgreSQL and on SQLite."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from tests.harness.stack import Stack
from tests.studio_booking.helpers import book, future_slot, make_studio

REQUESTS = 100


def test_hundred_concurrent_requests_for_one_slot_book_it_once(stack: Stack) -> None:
    with stack.client(stack.user(f"studio-admin-race-{stack.name}", "admin")) as admin:
        studio = make_studio(admin, name="Race studio")
    tokens = [stack.user(f"racer-{i}-{stack.name}", "creator") for i in range(REQUESTS)]
    starts_at, ends_at = future_slot(days=3, hour=10)
    start_together = threading.Barrier(REQUESTS)
    limits = httpx.Limits(max_connections=REQUESTS, max_keepalive_connections=REQUESTS)

    with httpx.Client(base_url=stack.base_url, timeout=120, limits=limits) as client:

        def attempt(token: str) -> int:
            start_together.wait()
            response = client.post(
                "/v1/bookings",
                json={"studio_id": studio["id"], "starts_at": starts_at, "ends_at": ends_at},
                headers={"Authorization": f"Bearer {token}"},
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
            statuses = list(pool.map(attempt, tokens))

    assert statuses.count(201) == 1
    assert statuses.count(409) == REQUESTS - 1


def test_adjacent_bookings_fit_unless_the_buffer_forbids(stack: Stack) -> None:
    creator = stack.user(f"adjacent-{stack.name}", "creator")
    with stack.client(stack.user(f"studio-admin-adj-{stack.name}", "admin")) as admin:
        plain = make_studio(admin, name="No buffer")
        buffered = make_studio(admin, name="Buffered", buffer_minutes=30)
    first, second = future_slot(days=4, hour=10), future_slot(days=4, hour=11)
    with stack.client(creator) as client:
        assert book(client, plain["id"], *first).status_code == 201
        assert book(client, plain["id"], *second).status_code == 201
        assert book(client, buffered["id"], *first).status_code == 201
        refused = book(client, buffered["id"], *second)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "slot_taken"
        assert "30-minute buffer" in refused.json()["error"]["message"]
        later = future_slot(days=4, hour=11, hours=1.5)
        assert book(client, buffered["id"], later[0].replace("T11:00", "T11:30"), later[1]).status_code == 201


def test_postgres_itself_refuses_overlapping_rows(stack: Stack) -> None:
    """The exclusion constraint holds even for writes that bypass the service."""
    if stack.name != "services":
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite serialises booking transactions")
    with stack.client(stack.user("studio-admin-pg", "admin")) as admin:
        studio = make_studio(admin, name="Constraint")
    with stack.client(stack.user("pg-creator", "creator")) as client:
        booked = book(client, studio["id"], *future_slot(days=5, hour=10)).json()
    url = stack.settings.effective_database_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.ExclusionViolation):
        conn.execute(
            "INSERT INTO bookings (id, studio_id, creator_id, starts_at, ends_at, blocked_until, state, "
            "stream_key, sequence, created_at, updated_at) SELECT md5(id), studio_id, creator_id, "
            "starts_at + interval '30 minutes', ends_at + interval '30 minutes', blocked_until + interval "
            "'30 minutes', state, 'sk_other', 0, now(), now() FROM bookings WHERE id = %s",
            (booked["id"],),
        )
