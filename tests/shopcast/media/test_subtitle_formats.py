"""WebVTT, SRT and ASS files: rendered files load in third-party parsers, corrections are read strictly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pysubs2
import pytest
import webvtt

from shopcast.media.ass_style import render_ass
from shopcast.media.cues import Cue, segment_cues
from shopcast.media.subtitle_formats import (
    MAX_CUES,
    MAX_FILE_BYTES,
    SubtitleFileError,
    decode_subtitle_bytes,
    parse_srt,
    parse_subtitles,
    parse_vtt,
    render_srt,
    render_vtt,
    shift_cues,
)
from tests.shopcast.media.test_cues import ENGLISH_SHOW, KOREAN_SHOW, parse_timings

KOREAN_CUES = segment_cues(parse_timings(KOREAN_SHOW), "ko")
ENGLISH_CUES = segment_cues(parse_timings(ENGLISH_SHOW, leading_space=True), "en")
AWKWARD = [
    Cue(1.0, 2.5, ("Tom & Jerry <3", "a --> b > c")),
    Cue(3600.25, 3602.0, ("한 시간 뒤 {특가} 방송",)),
]


def assert_same_cues(parsed: list[Cue], expected: list[Cue]) -> None:
    assert [cue.lines for cue in parsed] == [cue.lines for cue in expected]
    for got, want in zip(parsed, expected, strict=True):
        assert got.start_s == pytest.approx(want.start_s, abs=0.0005)
        assert got.end_s == pytest.approx(want.end_s, abs=0.0005)


@pytest.mark.parametrize("cues", [KOREAN_CUES, ENGLISH_CUES, AWKWARD], ids=["ko", "en", "awkward"])
def test_vtt_round_trips_and_loads_in_webvtt_py_and_pysubs2(cues: list[Cue]) -> None:
    text = render_vtt(cues)

    assert text.startswith("WEBVTT\n\n")
    assert_same_cues(parse_vtt(text), cues)
    assert_same_cues(parse_subtitles(text), cues)
    captions = webvtt.from_string(text)
    assert [caption.start_in_seconds for caption in captions.captions] == [int(cue.start_s) for cue in cues]
    assert len(pysubs2.SSAFile.from_string(text, format_="vtt")) == len(cues)


@pytest.mark.parametrize("cues", [KOREAN_CUES, ENGLISH_CUES, AWKWARD], ids=["ko", "en", "awkward"])
def test_srt_round_trips_and_loads_in_pysubs2(cues: list[Cue]) -> None:
    text = render_srt(cues)

    assert_same_cues(parse_srt(text), cues)
    assert_same_cues(parse_subtitles(text), cues)
    loaded = pysubs2.SSAFile.from_string(text, format_="srt")
    assert [event.start for event in loaded] == [round(cue.start_s * 1000) for cue in cues]
    assert [event.end for event in loaded] == [round(cue.end_s * 1000) for cue in cues]


@pytest.mark.parametrize("cues", [KOREAN_CUES, ENGLISH_CUES], ids=["ko", "en"])
def test_pysubs2_reads_the_same_lines_from_vtt_and_srt(cues: list[Cue]) -> None:
    for text, format_ in ((render_vtt(cues), "vtt"), (render_srt(cues), "srt")):
        loaded = pysubs2.SSAFile.from_string(text, format_=format_)
        assert [tuple(event.plaintext.split("\n")) for event in loaded] == [cue.lines for cue in cues]


def test_vtt_text_is_escaped_and_times_are_hours_minutes_seconds_millis() -> None:
    text = render_vtt(AWKWARD)

    assert "00:00:01.000 --> 00:00:02.500\nTom &amp; Jerry &lt;3\na --&gt; b &gt; c\n" in text
    assert "01:00:00.250 --> 01:00:02.000\n" in text
    assert webvtt.from_string(text).captions[0].text == "Tom &amp; Jerry &lt;3\na --&gt; b &gt; c"


def test_srt_is_numbered_with_comma_millis() -> None:
    text = render_srt(ENGLISH_CUES[:2])

    assert text.startswith(
        "1\n00:00:00,300 --> 00:00:02,700\nHello everyone,\nand welcome back to the show.\n\n2\n"
    )


def test_vtt_from_other_tools_is_read_with_bom_crlf_identifiers_settings_notes_and_markup() -> None:
    text = (
        "\ufeffWEBVTT - corrected by the PD\r\nKind: captions\r\n\r\n"
        "NOTE checked against the broadcast\r\nsecond note line\r\n\r\n"
        "STYLE\r\n::cue { color: yellow }\r\n\r\n"
        "intro\r\n00:01.000 --> 00:03.500 align:start position:10%\r\n<v Host>안녕하세요 여러분!</v>\r\n\r\n"
        "00:00:04.000 --> 00:00:06.000\r\n<i>Tom</i> &amp; <c.yellow>Jerry</c>&nbsp;&lt;3\r\n\r\n\r\n"
    )

    cues = parse_vtt(text)

    assert cues == [Cue(1.0, 3.5, ("안녕하세요 여러분!",)), Cue(4.0, 6.0, ("Tom & Jerry <3",))]
    assert parse_subtitles(text) == cues


def test_srt_from_other_tools_is_read_with_bom_crlf_and_tags() -> None:
    text = (
        "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>겨울용</i> 니트!\r\n\r\n"
        "2\r\n00:00:03,000 --> 00:00:04,000\r\n{\\an8}Top\r\n"
    )

    assert parse_srt(text) == [Cue(1.0, 2.5, ("겨울용 니트!",)), Cue(3.0, 4.0, ("Top",))]


VTT_ERRORS = [
    ("", 1, "must start with the line 'WEBVTT'"),
    ("WEBVTT\n\nNOTE only a note\n", None, "no cues"),
    ("00:00:01.000 --> 00:00:02.000\nhi\n", 1, "must start with the line 'WEBVTT'"),
    ("WEBVTT\n00:00:01.000 --> 00:00:02.000\nhi\n", 2, "blank line must separate the 'WEBVTT' header"),
    (
        "WEBVTT\n\n00:00:01,000 --> 00:00:02.000\nhi\n",
        3,
        "malformed cue timing '00:00:01,000 --> 00:00:02.000'",
    ),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:61.000\nhi\n", 3, "malformed cue timing"),
    ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nhi\n", 3, "expected a cue timing"),
    ("WEBVTT\n\nintro\nhello there\n", 3, "expected a cue timing"),
    ("WEBVTT\n\n00:00:05.000 --> 00:00:05.000\nhi\n", 3, "cue ends at 00:00:05.000, not after it starts"),
    (
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nhi\n\n00:00:03.000 --> 00:00:05.000\nthere\n",
        6,
        "while the cue on line 3 is still showing (until 00:00:04.000); cues must not overlap",
    ),
    (
        "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nhi\n\n00:00:01.000 --> 00:00:02.000\nthere\n",
        6,
        "before the cue on line 3 (00:00:05.000); cues must be in time order",
    ),
    (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n00:00:03.000 --> 00:00:04.000\nthere\n",
        5,
        "a cue timing inside the text of the cue before it: put a blank line before it",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), VTT_ERRORS)
def test_broken_vtt_is_rejected_with_the_line_and_what_is_wrong(
    text: str, line: int | None, message: str
) -> None:
    with pytest.raises(SubtitleFileError) as caught:
        parse_vtt(text)

    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"line {line}: ") == (line is not None)


SRT_ERRORS = [
    ("\n\n", None, "no cues"),
    ("1\nhello\n", 2, "expected a cue timing 'HH:MM:SS,mmm --> HH:MM:SS,mmm', found 'hello'"),
    ("1\n00:00:01,000 --> 00:00:02,000\nhi\n\nhello\n", 5, "expected a cue number or timing"),
    ("1\n00:61:01,000 --> 00:62:02,000\nhi\n", 2, "expected a cue timing"),
    (
        "1\n00:00:03,000 --> 00:00:02,000\nhi\n",
        2,
        "cue ends at 00:00:02.000, not after it starts at 00:00:03.000",
    ),
    ("1\n00:00:01,000 --> 00:00:04,000\na\n\n2\n00:00:02,000 --> 00:00:05,000\nb\n", 6, "must not overlap"),
    ("7\n", 1, "cue 7 has no timing line"),
    (
        "1\n00:00:01,000 --> 00:00:02,000\na\n2\n00:00:03,000 --> 00:00:04,000\nb\n",
        5,
        "put a blank line before it",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), SRT_ERRORS)
def test_broken_srt_is_rejected_with_the_line_and_what_is_wrong(
    text: str, line: int | None, message: str
) -> None:
    with pytest.raises(SubtitleFileError) as caught:
        parse_srt(text)

    assert caught.value.line == line
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello world\n", "line 1: not a subtitle file"),
        ("\n\n<html><body>not subtitles</body></html>", "line 3: not a subtitle file"),
        ("\ufeff  \r\n", "the file is empty"),
    ],
)
def test_files_that_are_neither_vtt_nor_srt_are_rejected(text: str, message: str) -> None:
    with pytest.raises(SubtitleFileError, match=message):
        parse_subtitles(text)


def test_more_cues_than_the_limit_are_rejected() -> None:
    text = render_srt([Cue(index * 0.5, index * 0.5 + 0.4, ("x",)) for index in range(MAX_CUES + 1)])

    with pytest.raises(SubtitleFileError, match=f"more than {MAX_CUES} cues") as caught:
        parse_subtitles(text)
    assert caught.value.line == 4 * MAX_CUES + 1


def test_files_over_the_size_limit_are_rejected_before_parsing() -> None:
    big = "WEBVTT\n\n" + "00:00:01.000 --> 00:00:02.000\n" + "가" * (MAX_FILE_BYTES // 3 + 1)

    with pytest.raises(SubtitleFileError, match=f"larger than {MAX_FILE_BYTES} bytes"):
        parse_subtitles(big)
    with pytest.raises(SubtitleFileError, match="the limit is"):
        decode_subtitle_bytes(big.encode())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp949"])
def test_uploaded_korean_srt_is_decoded_from_common_encodings(encoding: str) -> None:
    text = render_srt(KOREAN_CUES)

    assert parse_subtitles(decode_subtitle_bytes(text.encode(encoding))) == parse_srt(text)


@pytest.mark.parametrize("data", [bytes([0x80, 0xFF, 0x00, 0xFE]) * 10, b"WEBVTT\x00\x00\x01"])
def test_binary_upload_is_rejected_as_not_text(data: bytes) -> None:
    with pytest.raises(SubtitleFileError, match="not text"):
        decode_subtitle_bytes(data)


def test_shift_cues_to_a_cut_of_two_ranges_clips_drops_and_offsets() -> None:
    cues = [
        Cue(1.0, 3.0, ("before and into the first range",)),
        Cue(4.0, 6.0, ("across the first out point",)),
        Cue(7.0, 8.0, ("between the ranges",)),
        Cue(9.0, 12.0, ("across the second in point",)),
        Cue(20.0, 22.0, ("after everything",)),
    ]

    shifted = shift_cues(cues, [(2.0, 5.0), (10.0, 11.5)])

    assert shifted == [
        Cue(0.0, 1.0, ("before and into the first range",)),
        Cue(2.0, 3.0, ("across the first out point",)),
        Cue(3.0, 4.5, ("across the second in point",)),
    ]


def test_shift_cues_keeps_a_cue_whole_across_the_seam_of_contiguous_ranges() -> None:
    shifted = shift_cues([Cue(4.0, 6.0, ("spanning",))], [(3.0, 5.0), (5.0, 8.0)])

    assert shifted == [Cue(1.0, 3.0, ("spanning",))]


@pytest.mark.parametrize("bad_range", [(5.0, 5.0), (6.0, 5.0), (-1.0, 2.0)])
def test_shift_cues_rejects_empty_or_negative_ranges(bad_range: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="range"):
        shift_cues(KOREAN_CUES, [bad_range])


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1080, 1920), (1280, 720)])
def test_ass_script_loads_in_pysubs2_with_font_size_margins_and_line_breaks(width: int, height: int) -> None:
    script = render_ass(KOREAN_CUES, width, height)

    loaded = pysubs2.SSAFile.from_string(script)
    style = loaded.styles["Default"]
    assert style.fontname == "NanumGothic"
    assert style.fontsize == round(min(width, height) * 0.05)
    assert style.alignment == pysubs2.Alignment.BOTTOM_CENTER
    assert (style.marginl, style.marginv) == (round(width * 0.05), round(height * 0.05))
    assert style.primarycolor == pysubs2.Color(255, 255, 255, 0)
    assert style.outlinecolor == pysubs2.Color(0, 0, 0, 0)
    assert (loaded.info["PlayResX"], loaded.info["PlayResY"]) == (str(width), str(height))
    assert [event.text for event in loaded] == ["\\N".join(cue.lines) for cue in KOREAN_CUES]
    assert [event.start for event in loaded] == [round(cue.start_s * 100) * 10 for cue in KOREAN_CUES]


def test_ass_escapes_override_blocks_and_backslashes() -> None:
    script = render_ass(
        [Cue(0.0, 1.0, ("{\\an8}위쪽?", "back\\Nslash"))], 1920, 1080, font="Noto Sans CJK KR"
    )

    dialogue = script.strip().splitlines()[-1]
    assert dialogue.endswith(",,\\{\\\u2060an8\\}위쪽?\\Nback\\\u2060Nslash")
    assert "Style: Default,Noto Sans CJK KR,54," in script


@pytest.mark.parametrize(("font", "size"), [("Bad,Font", (1920, 1080)), ("NanumGothic", (0, 1080))])
def test_ass_rejects_fonts_and_sizes_that_would_break_the_script(font: str, size: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match=r"font|size"):
        render_ass(KOREAN_CUES, *size, font=font)


def _has_libass(ffmpeg: str) -> bool:
    filters = subprocess.run([ffmpeg, "-hide_banner", "-filters"], capture_output=True, text=True, check=True)
    return " ass " in filters.stdout


def _burn_in_luma(tmp_path: Path, cue: Cue) -> bytes:
    """One 640x360 grey frame from libass with the cue burnt in, as 8-bit luma."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    if not _has_libass(ffmpeg):
        pytest.skip(f"{ffmpeg} was built without libass")
    script = tmp_path / "cue.ass"
    script.write_text(render_ass([cue], 640, 360), encoding="utf-8")
    command = [
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "color=c=gray:s=640x360:d=1",
    ]
    command += ["-vf", f"ass={script}", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    return subprocess.run(command, capture_output=True, check=True, timeout=60).stdout


def test_burnt_in_text_sits_at_the_bottom_even_when_it_looks_like_an_override(tmp_path: Path) -> None:
    luma = _burn_in_luma(tmp_path, Cue(0.0, 1.0, ("{\\an8}위쪽으로?", "아니요")))

    rows = [luma[row * 640 : (row + 1) * 640] for row in range(360)]
    white_rows = [index for index, row in enumerate(rows) if max(row) > 230]
    assert white_rows, "libass drew no text"
    assert min(white_rows) > 240, f"text reached row {min(white_rows)}: the override tag was obeyed"
    assert max(white_rows) < 360 - 18, "text ran into the bottom margin"
