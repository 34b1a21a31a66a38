"""At the service: a PD's edit that replaces one language of a Whisper version deletes only that
language's files (the version's prefix still holds the other language's live track); the prefix
goes once no track points at it; an edit that rolls back deletes nothing; a Whisper re-run deletes
the version it replaced, and its own files of a corrected language; a version kept for a running
render is deleted by the sweep once the render has ended."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from ingest.assets.models import Asset, AssetState
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.jobs.models import Job, JobState
from shopcast.media.subtitle_formats import parse_vtt
from shopcast.runtime import Runtime
from transcode.subtitles.models import SubtitleLeftover
from transcode.subtitles.retention import sweep_leftovers
from transcode.subtitles.service import SubtitleSet, TrackFiles, publish_subtitles, replace_track

ASSET = "a" * 32
WHISPER = f"assets/{ASSET}/subtitles/{'b' * 32}"
CUES = parse_vtt("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n고친 자막\n")


def _whisper_run(runtime: Runtime, prefix: str) -> None:
    """A Whisper job's Korean transcript and English translation under one prefix, as
    `transcribe_asset` writes them, published as its job's finish does."""
    for language in ("ko", "en"):
        for extension in ("vtt", "srt"):
            runtime.store.put_bytes(f"{prefix}/{language}.{extension}", b"WEBVTT\n")
    tracks = [TrackFiles("ko", "transcript", 1), TrackFiles("en", "translation", 1)]
    with transaction(runtime.sessions) as session:
        publish_subtitles(session, runtime, ASSET, SubtitleSet(prefix, tracks))


def _whisper_version(runtime: Runtime) -> str:
    """An asset with one Whisper version published; returns the owner's id."""
    with transaction(runtime.sessions) as session:
        owner, _token = create_user(session, "owner", Role.creator)
        source = {"duration_s": 5.0, "width": 640, "height": 360}
        session.add(Asset(id=ASSET, owner_id=owner.id, state=AssetState.ready, size_bytes=1, source=source))
    _whisper_run(runtime, WHISPER)
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


def _files(prefix: str, *languages: str) -> list[str]:
    return sorted(
        f"{prefix}/{language}.{extension}" for language in languages for extension in ("srt", "vtt")
    )


def test_a_whisper_rerun_deletes_the_version_it_replaced_and_its_own_corrected_language(
    runtime: Runtime,
) -> None:
    owner = _whisper_version(runtime)
    rerun = f"assets/{ASSET}/subtitles/{'c' * 32}"
    _whisper_run(runtime, rerun)
    assert _keys(runtime) == _files(rerun, "en", "ko"), "the first run's files are gone"

    with transaction(runtime.sessions) as session:
        korean = replace_track(session, runtime, ASSET, owner, "ko", CUES).prefix
    third = f"assets/{ASSET}/subtitles/{'d' * 32}"
    _whisper_run(runtime, third)
    assert _keys(runtime) == sorted([*_files(third, "en"), *_files(korean, "ko")]), (
        "the PD's Korean stands; the third run's Korean was never going to be read"
    )


def test_a_version_kept_for_a_running_render_goes_once_the_render_has_ended(runtime: Runtime) -> None:
    owner = _whisper_version(runtime)
    with transaction(runtime.sessions) as session:
        render = Job(kind="render_clip", queue="render", asset_id=ASSET, state=JobState.running)
        session.add(render)
    with transaction(runtime.sessions) as session:
        english = replace_track(session, runtime, ASSET, owner, "en", CUES).prefix
    assert _keys(runtime) == sorted([*_files(WHISPER, "en", "ko"), *_files(english, "en")])
    sweep_leftovers(runtime)
    assert f"{WHISPER}/en.vtt" in _keys(runtime), "the render still runs: the version it may read stays"

    with transaction(runtime.sessions) as session:
        session.execute(update(Job).where(Job.id == render.id).values(state=JobState.succeeded))
    sweep_leftovers(runtime)
    assert _keys(runtime) == sorted([*_files(WHISPER, "ko"), *_files(english, "en")])
    with runtime.sessions() as session:
        assert session.scalars(select(SubtitleLeftover)).all() == []
