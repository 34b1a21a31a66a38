"""Issue #15, at the service: a PD's edit that replaces one language of a Whisper version deletes
only that language's files (the version's prefix still holds the other language's live track); the
prefix goes once no track points at it; an edit that rolls back deletes nothing."""

from __future__ import annotations

import pytest

from ingest.assets.models import Asset, AssetState
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.media.subtitle_formats import parse_vtt
from shopcast.runtime import Runtime
from transcode.subtitles.service import SubtitleSet, TrackFiles, publish_subtitles, replace_track

ASSET = "a" * 32
WHISPER = f"assets/{ASSET}/subtitles/{'b' * 32}"
CUES = parse_vtt("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n고친 자막\n")


def _whisper_version(runtime: Runtime) -> str:
    """An asset whose Whisper job published a Korean transcript and an English translation under
    one prefix, as `transcribe_asset` writes them; returns the owner's id."""
    with transaction(runtime.sessions) as session:
        owner, _token = create_user(session, "owner", Role.creator)
        source = {"duration_s": 5.0, "width": 640, "height": 360}
        session.add(Asset(id=ASSET, owner_id=owner.id, state=AssetState.ready, size_bytes=1, source=source))
    for language in ("ko", "en"):
        for extension in ("vtt", "srt"):
            runtime.store.put_bytes(f"{WHISPER}/{language}.{extension}", b"WEBVTT\n")
    tracks = [TrackFiles("ko", "transcript", 1), TrackFiles("en", "translation", 1)]
    with transaction(runtime.sessions) as session:
        publish_subtitles(session, ASSET, SubtitleSet(WHISPER, tracks))
    return owner.id


def _keys(runtime: Runtime) -> list[str]:
    return runtime.store.list_keys(f"assets/{ASSET}/subtitles/")


def test_an_edit_of_one_language_keeps_the_other_languages_files_of_a_shared_version(
    runtime: Runtime,
) -> None:
    owner = _whisper_version(runtime)
    with transaction(runtime.sessions) as session:
        english = replace_track(session, runtime, ASSET, owner, "en", CUES).prefix
    assert _keys(runtime) == sorted(
        [f"{english}/en.srt", f"{english}/en.vtt", f"{WHISPER}/ko.srt", f"{WHISPER}/ko.vtt"]
    )

    with transaction(runtime.sessions) as session:
        korean = replace_track(session, runtime, ASSET, owner, "ko", CUES).prefix
    assert _keys(runtime) == sorted(
        [f"{english}/en.srt", f"{english}/en.vtt", f"{korean}/ko.srt", f"{korean}/ko.vtt"]
    ), "no track points at the Whisper version any more: it is gone"


def test_an_edit_that_rolls_back_deletes_nothing(runtime: Runtime) -> None:
    owner = _whisper_version(runtime)
    before = _keys(runtime)

    def failing_request() -> None:
        with transaction(runtime.sessions) as session:
            replace_track(session, runtime, ASSET, owner, "en", CUES)
            raise RuntimeError("the request failed after the edit")

    with pytest.raises(RuntimeError, match="failed after the edit"):
        failing_request()
    after = _keys(runtime)
    assert set(before) <= set(after), "the live version's files stayed"
    # the rolled-back edit's own files were written before the failure, and nothing points at them
    assert len(after) == len(before) + 2
