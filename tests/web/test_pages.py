"""The web pages over plain HTTP, on both stacks: who-am-I, languages, the served scripts and player,
and a catalogue that has every message the pages ask for in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shopcast.web.messages import CATALOGUES
from tests.harness.stack import Stack

WEB = Path(__file__).resolve().parents[2] / "shopcast" / "web"
# t("key") in templates and scripts; a key built at run time (`state.${state}`) is listed by prefix
_LOOKUP = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""")
_BUILT_KEYS = {"state.": ("uploading", "processing", "ready", "rejected", "failed", "queued", "running",
                          "succeeded", "rendering", "delivering", "delivered"),
               "role.": ("creator", "pd", "partner", "admin"),
               "live.state.": ("idle", "connecting", "live", "ended", "failed"),
               "destination.state.": ("idle", "connecting", "live", "retrying", "failed")}  # fmt: skip


def test_both_languages_have_every_message_the_pages_use() -> None:
    assert CATALOGUES["en"].keys() == CATALOGUES["ko"].keys()
    used = {key for path in WEB.rglob("*") if path.suffix in {".html", ".js"} and "vendor" not in path.parts
            for key in _LOOKUP.findall(path.read_text())}  # fmt: skip
    used |= {prefix + name for prefix, names in _BUILT_KEYS.items() for name in names}
    assert len(used) > 50, used
    assert sorted(used - CATALOGUES["en"].keys()) == []
    assert all(text.strip() for catalogue in CATALOGUES.values() for text in catalogue.values())


@pytest.mark.parametrize("role", ["creator", "pd", "partner", "admin"])
def test_me_answers_the_callers_name_and_role(stack: Stack, role: str) -> None:
    name = f"web-me-{role}-{stack.name}"
    with stack.client(stack.user(name, role)) as client:
        me = client.get("/v1/me")
    assert me.status_code == 200
    assert me.json()["name"] == name
    assert me.json()["role"] == role
    with stack.client() as anonymous:
        refused = anonymous.get("/v1/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"]


def test_pages_speak_the_chosen_language_and_remember_it(stack: Stack) -> None:
    with stack.client(follow_redirects=False) as client:
        assert client.get("/").headers["location"] == "/web/"
        english = client.get("/web/book")
        korean = client.get("/web/book", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
        chosen = client.get("/web/upload?lang=ko")
        remembered = client.get("/web/assets")
    assert english.status_code == 200
    assert '<html lang="en">' in english.text
    assert "<h1>Book a studio</h1>" in english.text
    assert '<html lang="ko">' in korean.text
    assert "<h1>스튜디오 예약</h1>" in korean.text
    assert "<h1>영상 업로드</h1>" in chosen.text
    assert "shopcast_lang=ko" in chosen.headers["set-cookie"]
    assert "<h1>에셋</h1>" in remembered.text  # the cookie the client kept


def test_the_pages_scripts_and_the_hls_player_are_served(stack: Stack) -> None:
    with stack.client() as client:
        scripts = {name: client.get(f"/web/static/{name}") for name in ("app.js", "tus.js", "live.js")}
        player = client.get("/web/static/vendor/hls.min.js")
        asset_page = client.get("/web/assets/" + "0" * 32)
        bad_id = client.get("/web/assets/not-an-id")
    for name, answer in scripts.items():
        assert answer.status_code == 200, name
        assert "javascript" in answer.headers["content-type"], name
    assert player.status_code == 200, "make install copies hls.js from npm into shopcast/web/static/vendor"
    assert len(player.content) > 100_000
    assert 'data-asset-id="00000000000000000000000000000000"' in asset_page.text
    assert bad_id.status_code == 422
