"""A labelled live-shopping show for the highlight tests, generated at test time: host talk naming no
product, each product pitched on its own picture, host talk between and after. Labels are where the
picture cuts (on frame boundaries); a pitch's speech lies inside its label. Sentences are spoken one
by one (cached per folder) and joined with silence; the video is one FFmpeg call."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import wave
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.harness.media import ffmpeg
from tests.harness.speech import espeak_wav, korean_wav

RATE = 22_050  # espeak-ng's rate; Korean speech is resampled to it
FPS = 25
FRAME = RATE // FPS  # samples per video frame: every block ends on a frame boundary
GAP_S, MARGIN_S = 0.4, 0.5  # silence between sentences, and at both ends of a block
LEAST_S, TARGET_S, MOST_S = 25.0, 32.0, 45.0  # a pitch's length
VERSION = 1  # in the cache name with the sentences: bump when the code makes shows differently
SIZE = "640x360"
FILLER_PICTURE = f"color=c=0x505050:s={SIZE}:r={FPS}"
PATTERNS = ("testsrc2", "smptebars", "rgbtestsrc", "testsrc", "pal75bars", "yuvtestsrc")


@dataclass(frozen=True)
class ShowProduct:
    sku: str
    name: str  # as spoken and as in the catalogue
    aliases: tuple[str, ...]
    language: str  # "en" or "ko"
    pinned: bool  # whether the test pins it (the show's product timeline has it)


@dataclass(frozen=True)
class LabelledSegment:
    product: ShowProduct
    start_s: float  # where the product's picture starts (a hard cut)
    end_s: float  # where it ends (a hard cut)


@dataclass(frozen=True)
class LabelledShow:
    path: Path  # H.264 yuv420p 640x360 25 fps, keyframes every 2 s and at cuts; AAC 48 kHz mono
    duration_s: float
    segments: list[LabelledSegment]  # the ground truth, in time order


# A pitch: the opening (naming the product at once), sales talk with three more mentions among it, and
# the closing (naming it first). Only as much sales talk is read as makes about TARGET_S.
PITCHES = {
    "en": (
        "Our next product is the {name}, and I am so excited to show it to you.",
        "It is one of our best sellers this season, and viewers keep asking about it.",
        "Many of you already ordered the {name} last week, and the reviews are wonderful.",
        "Tonight it costs only {price} dollars, the lowest price we have ever offered.",
        "Add it to your cart now, because we only have a limited number in stock.",
        "So once again, the {name}, at a price you will not see anywhere else.",
        "Delivery is free, and your order arrives within two days.",
        "It also comes with a two year guarantee and easy returns.",
        "Just look at the {name} up close, you can really see the quality.",
        "Keep an eye on the counter, the numbers are going down fast.",
        "That was the {name}, so add it to your cart before it sells out.",
    ),
    "ko": (
        "다음 상품은 {name}입니다. 정말 자신 있게 소개해 드려요.",
        "이번 시즌 가장 많이 팔린 상품이라 문의가 정말 많았어요.",
        "지난주에도 {name} 주문이 정말 많았고, 후기가 아주 좋아요.",
        "오늘 가격은 {price}원이고, 방송 중에만 이 가격이에요.",
        "지금 장바구니에 담으시면 내일 바로 배송됩니다.",
        "다시 한번 말씀드리면, {name}, 다른 곳에서는 이 가격을 보기 어려워요.",
        "배송비는 무료이고, 교환과 반품도 간편합니다.",
        "{name}, 가까이서 보시면 품질 차이를 바로 느끼실 수 있어요.",
        "수량이 많지 않으니 서둘러 주세요.",
        "{name}, 매진되기 전에 꼭 장바구니에 담아 주세요.",
    ),
}
# Host talk naming nothing, read in turn across the show.
FILLER = {
    "en": (
        "Good evening everyone, and welcome to tonight's live show.",
        "Thank you so much for joining us, it is great to see so many of you in the chat.",
        "Remember to follow the channel so you never miss a show.",
        "Say hello in the comments and tell us where you are watching from.",
        "We have a few lovely surprises lined up for you this evening.",
        "Let me take a quick look at your messages before we carry on.",
        "Thank you all for watching, and see you again next week.",
    ),
    "ko": (
        "안녕하세요, 여러분. 오늘 방송에 와 주셔서 정말 감사합니다.",
        "채널 구독과 알림 설정 잊지 마세요.",
        "채팅창에 어디에서 보고 계신지 인사 남겨 주세요.",
        "오늘 저녁에도 좋은 소식 많이 준비했어요.",
        "잠시 여러분의 메시지를 읽어 보겠습니다.",
        "끝까지 함께해 주셔서 감사합니다. 다음 주에 또 만나요.",
    ),
}

ENGLISH_PRODUCTS = (
    ShowProduct("BOTTLE-01", "Stainless Steel Water Bottle", ("water bottle", "steel bottle"), "en", True),
    ShowProduct("VACUUM-02", "Cordless Vacuum Cleaner", ("vacuum cleaner", "cordless vacuum"), "en", True),
    ShowProduct("PAN-03", "Nonstick Frying Pan", ("frying pan", "nonstick pan"), "en", False),
    ShowProduct("JACKET-04", "Winter Down Jacket", ("down jacket", "winter jacket"), "en", True),
    ShowProduct("TEA-05", "Green Tea Gift Box", ("green tea", "tea box"), "en", False),
    ShowProduct("SPEAKER-06", "Bluetooth Party Speaker", ("bluetooth speaker", "party speaker"), "en", False),
)
KOREAN_PRODUCTS = (
    ShowProduct("KO-TANGERINE-01", "제주 감귤", ("감귤", "귤"), "ko", True),
    ShowProduct("KO-SESAME-02", "참기름", ("국산 참기름", "기름"), "ko", False),
)

Speak = Callable[[str], bytes]


def iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    """How well two time spans agree: their overlap over their union (a proposal against a label)."""
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    return max(0.0, overlap) / (max(a[1], b[1]) - min(a[0], b[0]))


def _silence(seconds: float) -> bytes:
    return bytes(2 * round(seconds * RATE))


def _block(clips: Sequence[bytes]) -> bytes:
    """Margin, the sentences with gaps, margin, padded with silence to a whole number of frames."""
    pcm = _silence(MARGIN_S) + _silence(GAP_S).join(clips) + _silence(MARGIN_S)
    return pcm + bytes(2 * (-(len(pcm) // 2) % FRAME))


def _seconds(clips: Sequence[bytes]) -> float:
    return len(_block(clips)) / 2 / RATE


def _mentions(term: str, text: str) -> int:
    if term.isascii():
        return len(re.findall(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE))
    return text.count(term)


def _voice(folder: Path, language: str, words_per_minute: int) -> Speak:
    """16-bit mono PCM at RATE for a sentence, spoken once per folder."""

    @functools.cache
    def speak(text: str) -> bytes:
        key = hashlib.sha256(f"{language}|{words_per_minute}|{text}".encode()).hexdigest()[:20]
        path = folder / f"{language}-{key}.wav"
        if not path.exists():
            raw = folder / f"{key}.{os.getpid()}.raw.wav"
            if language == "en":
                espeak_wav(text, raw, "en-us", words_per_minute)
            else:
                korean_wav(text, raw)  # KoreanSpeechMissing goes up to the test, which skips
                raw.with_suffix(".txt").unlink(missing_ok=True)
            part = path.with_suffix(f".{os.getpid()}.wav")
            ffmpeg("-i", str(raw), "-ar", str(RATE), "-ac", "1", "-c:a", "pcm_s16le", str(part))
            raw.unlink()
            part.replace(path)
        with wave.open(str(path), "rb") as reader:
            return reader.readframes(reader.getnframes())

    return speak


def _lines(product: ShowProduct, index: int) -> list[str]:
    price = 19 + 10 * (index % 6) if product.language == "en" else f"{(15 + 4 * (index % 6)) * 1000:,}"
    return [t.format(name=product.name, price=price) for t in PITCHES[product.language]]


def _pitch(speak: Speak, product: ShowProduct, index: int) -> bytes:
    """Opening, sales talk until about TARGET_S, closing: the name 3 to 5 times, first and last near
    the ends."""
    lines = _lines(product, index)
    chosen = [lines[0]]
    for line in lines[1:-1]:
        if _seconds([speak(t) for t in [*chosen, lines[-1]]]) >= TARGET_S:
            break
        if _seconds([speak(t) for t in [*chosen, line, lines[-1]]]) > MOST_S:
            break
        chosen.append(line)
    chosen.append(lines[-1])
    clips = [speak(t) for t in chosen]
    seconds, named = _seconds(clips), _mentions(product.name, " ".join(chosen))
    if not (LEAST_S <= seconds <= MOST_S and 3 <= named <= 5):
        raise ValueError(f"{product.sku}: {seconds:.1f} s of pitch naming it {named} times")
    return _block(clips)


def _check_names(products: Sequence[ShowProduct], filler: Sequence[str]) -> None:
    """No product is named outside its own pitch, so the labels are the whole truth."""
    for product in products:
        others = [
            *filler,
            *(t for i, o in enumerate(products) if o.name != product.name for t in _lines(o, i)),
        ]
        for term in (product.name, *product.aliases):
            if any(_mentions(term, text) for text in others):
                raise ValueError(f"{term!r} ({product.sku}) is said outside its pitch")


def _picture(index: int) -> str:
    """A test pattern per product, hue-turned once the patterns are used up."""
    turn = index // len(PATTERNS)
    return f"{PATTERNS[index % len(PATTERNS)]}=s={SIZE}:r={FPS}" + (f",hue=h={55 * turn}" if turn else "")


def build_show(
    folder: Path,
    products: Sequence[ShowProduct],
    *,
    filler_s: float = 8.0,
    words_per_minute: int = 150,
    one_camera: bool = False,
) -> LabelledShow:
    """The show for `products`, in their order, built once per configuration in `folder`. With
    `one_camera` every part shows the host's picture: no cut marks where a pitch starts or ends."""
    config = [VERSION, PITCHES, FILLER, PATTERNS, [asdict(p) for p in products], filler_s, words_per_minute]
    config += [one_camera] if one_camera else []
    stem = "show-" + hashlib.sha256(json.dumps(config, ensure_ascii=False).encode()).hexdigest()[:16]
    path, labels = folder / f"{stem}.mp4", folder / f"{stem}.json"
    if not (path.exists() and labels.exists()):
        _build(folder, products, filler_s, words_per_minute, one_camera, path, labels)
    saved = json.loads(labels.read_text())
    segments = [LabelledSegment(products[s["index"]], s["start_s"], s["end_s"]) for s in saved["segments"]]
    return LabelledShow(path, saved["duration_s"], segments)


def _build(
    folder: Path,
    products: Sequence[ShowProduct],
    filler_s: float,
    wpm: int,
    one_camera: bool,
    path: Path,
    labels: Path,
) -> None:
    speech = folder / "speech"
    speech.mkdir(parents=True, exist_ok=True)
    # The host speaks Korean between pitches only when every product is Korean.
    language = "ko" if products and all(p.language == "ko" for p in products) else "en"
    filler = FILLER[language]
    _check_names(products, filler)
    voices = {lang: _voice(speech, lang, wpm) for lang in {language, *(p.language for p in products)}}
    said = 0

    def host_talk() -> bytes:
        nonlocal said
        clips: list[bytes] = []
        while not clips or _seconds(clips) < filler_s:
            clips.append(voices[language](filler[said % len(filler)]))
            said += 1
        return _block(clips)

    blocks: list[tuple[str, int | None, bytes]] = []  # picture, product index, audio
    for index, product in enumerate(products):
        if filler_s > 0:
            blocks.append((FILLER_PICTURE, None, host_talk()))
        picture = FILLER_PICTURE if one_camera else _picture(index)
        blocks.append((picture, index, _pitch(voices[product.language], product, index)))
    if filler_s > 0:
        blocks.append((FILLER_PICTURE, None, host_talk()))

    audio = path.with_suffix(f".{os.getpid()}.wav")
    with wave.open(str(audio), "wb") as writer:
        writer.setparams((1, 2, RATE, 0, "NONE", "not compressed"))
        writer.writeframes(b"".join(pcm for _, _, pcm in blocks))
    frames = [len(pcm) // 2 // FRAME for _, _, pcm in blocks]
    starts = [sum(frames[:i]) for i in range(len(frames) + 1)]
    graph = ";".join(
        f"{picture},trim=end_frame={n},setpts=PTS-STARTPTS[v{i}]"
        for i, ((picture, _, _), n) in enumerate(zip(blocks, frames, strict=True))
    )
    graph += ";" + "".join(f"[v{i}]" for i in range(len(blocks)))
    graph += f"concat=n={len(blocks)}:v=1:a=0,format=yuv420p[v]"
    cuts = ",".join(f"{s / FPS:.2f}" for s in starts[1:-1]) or "0"
    part = path.with_suffix(f".{os.getpid()}.mp4")
    ffmpeg(
        "-i", str(audio), "-filter_complex", graph, "-map", "[v]", "-map", "0:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", str(2 * FPS), "-force_key_frames", cuts,
        "-b:v", "300k", "-maxrate", "500k", "-bufsize", "1000k",
        "-c:a", "aac", "-b:a", "64k", "-ar", "48000", "-ac", "1", "-movflags", "+faststart", str(part),
    )  # fmt: skip
    audio.unlink()
    segments = [
        {"index": index, "sku": products[index].sku, "start_s": starts[i] / FPS, "end_s": starts[i + 1] / FPS}
        for i, (_, index, _) in enumerate(blocks)
        if index is not None
    ]
    record = {"duration_s": starts[-1] / FPS, "segments": segments}
    labels_part = labels.with_suffix(f".{os.getpid()}.json")
    labels_part.write_text(json.dumps(record, ensure_ascii=False, indent=1))
    labels_part.replace(labels)
    part.replace(path)
