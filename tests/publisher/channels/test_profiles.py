"""Channel profiles are data: the default TOML files match the defaults in docs/architecture.md, and a
profile that does not match the schema is refused with the offending fields named."""

from __future__ import annotations

from typing import Any

import pytest

from publisher.channels.profiles import DEFAULT_PROFILES, ProfileError, default_profile, resolve_profile


def test_default_profiles_state_the_specs_numbers() -> None:
    tcommerce, vcommerce, overseas = (
        default_profile(name) for name in ("tcommerce", "vcommerce", "overseas")
    )
    assert (tcommerce.picture.width, tcommerce.picture.height, tcommerce.picture.fps) == (1920, 1080, 29.97)
    assert (tcommerce.picture.interlaced, tcommerce.picture.field_order) == (True, "tff")
    assert (tcommerce.video.codec, tcommerce.video.bitrate_kbps, tcommerce.extension) == (
        "mpeg2video",
        50000,
        "mxf",
    )
    assert (tcommerce.audio.codec, tcommerce.audio.layout) == ("pcm_s24le", "mono_tracks")
    assert (tcommerce.loudness.integrated_lufs, tcommerce.loudness.tolerance_lu) == (-24.0, 2.0)
    assert (vcommerce.picture.width, vcommerce.picture.height, vcommerce.extension) == (1080, 1920, "mp4")
    assert (vcommerce.loudness.integrated_lufs, vcommerce.subtitles.burn) == (-14.0, "spoken")
    assert overseas.loudness.integrated_lufs == -23.0
    assert [(s.language, s.formats) for s in overseas.subtitles.sidecars] == [("en", ["srt", "vtt"])]
    for name in DEFAULT_PROFILES:
        profile = default_profile(name)
        assert (profile.min_duration_s, profile.max_duration_s) == (3, 3600)


def test_a_partner_profile_extends_a_default_with_overrides() -> None:
    profile = resolve_profile(
        {"extends": "vcommerce", "name": "mall-app", "loudness": {"integrated_lufs": -16}}
    )
    assert profile.loudness.integrated_lufs == -16
    assert profile.loudness.tolerance_lu == 1.0, "the rest of the section comes from the default"
    assert profile.picture.width == 1080


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ({"extends": "vcommerce", "name": "odd", "picture": {"width": 1079}}, "picture.width"),
        (
            {"extends": "vcommerce", "name": "x", "loudness": {"integrated_lufs": 3}},
            "loudness.integrated_lufs",
        ),
        ({"extends": "vcommerce", "name": "x", "colour": "red"}, "colour"),
        ({"extends": "tcommerce", "name": "x", "picture": {"field_order": None}}, "field_order"),
        ({"extends": "overseas", "name": "x", "container": {"format": "mxf"}}, "MPEG-2"),
        ({"extends": "nope", "name": "x"}, "no default profile 'nope'"),
        ({"name": "bare"}, "picture"),
        ("betamax", "no default profile 'betamax'"),
    ],
)
def test_a_profile_off_the_schema_is_refused_naming_what_is_wrong(
    spec: str | dict[str, Any], named: str
) -> None:
    with pytest.raises(ProfileError, match=named.replace(".", r"\.")):
        resolve_profile(spec)
