"""A clip's title, overlay texts and product names are one line of text a feed can carry."""

from __future__ import annotations

import pytest

from shopcast.errors import ValidationFailed
from transcode.clips.schemas import ClipIn
from transcode.clips.validation import SourceFacts, validate_clip

SOURCE = SourceFacts(duration_s=30.0, width=1920, height=1080, fps=30.0, has_video=True, has_audio=True)


def _clip(**fields: object) -> ClipIn:
    return ClipIn.model_validate({"asset_id": "0" * 32, "ranges": [{"in_s": 1.0, "out_s": 5.0}], **fields})


@pytest.mark.parametrize("bad", ["Sale\uffff", "Sale\ufffe", "Sale\ufdd0", "Sale\x07"])
def test_a_title_with_a_noncharacter_or_control_character_is_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed, match="title: must be printable text"):
        validate_clip(_clip(title=bad), SOURCE, [])


def test_korean_and_emoji_titles_pass_and_line_breaks_become_spaces() -> None:
    edit = validate_clip(_clip(title="오늘의\n특가 🎉"), SOURCE, [])
    assert edit.title == "오늘의 특가 🎉"
