"""The ladder's constant frame rate: at most 30 fps, and a standard rate for variable-rate sources."""

from __future__ import annotations

import pytest

from transcode.hls.ladder import output_fps


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (30.0, 30.0),
        (30000 / 1001, 30000 / 1001),
        (25.0, 25.0),
        (60.0, 30.0),
        (60000 / 1001, 30000 / 1001),
        (50.0, 25.0),
        (120.0, 30.0),
        (29.83, 30000 / 1001),  # a phone's variable rate, averaged
        (19.87, 20.0),  # a webcam in low light
        (23.9, 24000 / 1001),
        (0.0, 30.0),  # no rate known
    ],
)
def test_rates_become_standard_and_at_most_30(source: float, expected: float) -> None:
    assert output_fps(source) == pytest.approx(expected, abs=1e-9)


def test_a_rate_far_from_every_standard_one_is_kept() -> None:
    assert output_fps(17.5) == 17.5
    assert output_fps(27.5) == 27.5
