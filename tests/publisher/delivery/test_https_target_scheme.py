"""An "https" target must be https: plain http is refused when the channel is created, unless private
addresses are allowed (operators' own networks, and the loopback receivers of the other tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from publisher.channels.service import create_channel
from publisher.publications.schemas import ChannelIn
from shopcast.auth.models import Role
from shopcast.auth.service import Principal
from shopcast.errors import ValidationFailed
from shopcast.settings import Settings

ADMIN = Principal(id="a" * 32, name="admin", role=Role.admin)


@pytest.fixture
def session() -> Iterator[Session]:
    # The refusal comes before any query: a database without tables shows that nothing was stored.
    engine = create_engine("sqlite://")
    with Session(engine) as opened:
        yield opened
    engine.dispose()


def _body(url: str) -> ChannelIn:
    return ChannelIn.model_validate(
        {"name": "partner-push", "profile": "vcommerce", "target": {"type": "https", "url": url}}
    )


@pytest.mark.parametrize("url", ["http://203.0.113.10/incoming", "HTTP://203.0.113.10/incoming"])
def test_a_plain_http_url_is_refused_for_an_https_target(session: Session, tmp_path: Path, url: str) -> None:
    settings = Settings(data_dir=tmp_path, webhook_allow_private=False)
    with pytest.raises(ValidationFailed) as refused:
        create_channel(session, settings, ADMIN, _body(url))
    assert refused.value.code == "https_required"
    assert "https://" in str(refused.value)
