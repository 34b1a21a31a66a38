"""Speech for the subtitle tests, spoken once per session."""

from __future__ import annotations

import pytest

from tests.harness.speech import SpeechFactory


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> SpeechFactory:
    return SpeechFactory(tmp_path_factory.mktemp("speech"))
