"""The journeys' world: one embedded stack and Chromium, both inside the loopback-only network
namespace that `tests/web/test_browser_journeys.py` starts this pytest in."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, sync_playwright

from tests.harness.media import MediaFactory
from tests.harness.services import free_port
from tests.harness.stack import Stack, boot, live_ports
from tests.web.journeys.browser import ARTIFACTS, Browser, launch


@pytest.fixture(scope="session")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("web-stack")
    running = boot("web", live_ports(), data_dir, free_port())
    try:
        yield running
    finally:
        running.stop_all()
        logs = ARTIFACTS / "stack"
        logs.mkdir(parents=True, exist_ok=True)
        for log in data_dir.glob("*.log"):
            shutil.copyfile(log, logs / log.name)


@pytest.fixture(scope="session")
def web_media(tmp_path_factory: pytest.TempPathFactory) -> MediaFactory:
    return MediaFactory(tmp_path_factory.mktemp("web-media"))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright: Playwright, web_stack: Stack, tmp_path: Path) -> Iterator[Browser]:
    context = launch(playwright, tmp_path / "chromium-profile")
    try:
        yield Browser(context, web_stack.base_url)
    finally:
        context.close()
