"""One studio per stack for every publisher test: uploading, transcribing and cutting the source is
the slow part, and no test changes it."""

from __future__ import annotations

import pytest

from tests.harness.stack import Stack
from tests.publisher.studio import Studio, make_studio


@pytest.fixture(scope="session")
def studio(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Studio:
    return make_studio(stack, tmp_path_factory.mktemp("publisher-media"), "pub")
