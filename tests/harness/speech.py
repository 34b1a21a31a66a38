"""Real speech for the subtitle tests: espeak-ng reads known text, FFmpeg makes it 16 kHz mono.

Nothing is committed: each file is spoken at test time and cached per session, like MediaFactory's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import av

from tests.harness.media import ffmpeg

# A product pitch without digits or British spellings, so the reference reads as Whisper writes it.
PITCH = (
    "Welcome to tonight's live show. Today we are presenting a lightweight stainless steel water bottle "
    "that keeps your drinks cold for a whole day. It fits in every car cup holder and it comes in five "
    "bright colors. Order in the next ten minutes and we will add a second bottle for free. "
    "Shipping is free across the country, and every order arrives within two days."
)

# Korean for the forced-language path: espeak-ng's Korean is not intelligible to Whisper, so tests
# check that the path runs, not what it hears.
KOREAN_PITCH = (
    "안녕하세요. 오늘 소개할 상품은 가볍고 튼튼한 스테인리스 물병입니다. 지금 주문하시면 하나 더 드립니다."
)

# Sentences for long tracks (the benchmark): read one after another, then again from the top.
SENTENCES = (
    "Good evening and welcome back to the studio for another hour of great deals.",
    "Our first product tonight is a cordless vacuum cleaner with a washable filter.",
    "It weighs less than a bag of sugar, so you can carry it up the stairs with one hand.",
    "The battery runs for forty minutes and charges again while you sleep.",
    "Next we have a set of nonstick frying pans that work on gas, electric and induction stoves.",
    "Each pan has a glass lid and a handle that stays cool while you cook.",
    "Many of our viewers asked for the large size, and tonight it is back in stock.",
    "If you order before midnight, the delivery is free and the pans arrive by Friday.",
    "Let me show you a winter jacket filled with recycled down that keeps you warm in the snow.",
    "The hood comes off with two zips, and the pockets are lined with soft fleece.",
    "You can choose navy, olive, black or a warm shade of red.",
    "Our host will now try the jacket on so you can see how it moves.",
    "After the break we will taste a box of green tea from a small farm on the southern coast.",
    "The leaves are picked by hand in early spring and dried the same afternoon.",
    "Every box holds enough tea for two cups a day for a whole month.",
    "Thank you for watching, and please send us your questions in the chat.",
)

ESPEAK = "espeak-ng"
# Korean read by MBROLA's recorded voice (../shared/tools/ko_speech, fetched at test time; exit 3 when
# its parts cannot be had). Digits as Whisper writes them, so references compare.
KO_SAY = Path(__file__).resolve().parents[3] / "shared" / "tools" / "ko_speech" / "say"
KO_SHOW = (
    "안녕하세요, 여러분. 오늘 소개할 상품은 제주 감귤입니다.",
    "한 박스에 19,000원이고, 오늘만 20% 할인해 드려요.",
    "지금 장바구니에 담으시면 내일 바로 배송됩니다.",
    "다음 상품은 국산 참기름이에요. 고소한 향이 정말 좋습니다.",
)


class KoreanSpeechMissing(Exception):
    """The Korean voice's parts could not be fetched: tests skip, saying so."""


def korean_wav(text: str, path: Path) -> Path:
    """`text` spoken in Korean into a 16 kHz mono WAV; raises KoreanSpeechMissing when the tool
    cannot fetch its parts (no network, no Debian mirror)."""
    if not KO_SAY.exists():
        raise KoreanSpeechMissing(f"{KO_SAY} is not there")
    source = path.with_suffix(".txt")
    source.write_text(text, encoding="utf-8")
    command = [str(KO_SAY), str(source), str(path)]
    done = subprocess.run(command, capture_output=True, timeout=900, check=False)
    if done.returncode == 3:
        raise KoreanSpeechMissing(done.stderr.decode(errors="replace").strip())
    if done.returncode != 0:
        raise RuntimeError(f"ko_speech failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return path


def espeak_wav(text: str, path: Path, voice: str = "en-us", words_per_minute: int = 150) -> Path:
    """Speak `text` with an espeak-ng voice into a WAV file (22.05 kHz mono); returns it.

    Raises FileNotFoundError when espeak-ng is not installed (`make install` installs it as root).
    """
    if shutil.which(ESPEAK) is None:
        raise FileNotFoundError("espeak-ng is not installed: run `make install` as root, or apt-get it")
    subprocess.run(
        [ESPEAK, "-v", voice, "-s", str(words_per_minute), "-w", str(path), text],
        check=True,
        timeout=120,
        capture_output=True,
    )
    return path


def duration_s(path: Path) -> float:
    """The length of an audio file, from its container."""
    with av.open(str(path)) as container:
        return float(container.duration or 0) / av.time_base


class SpeechFactory:
    """Each method writes one 16 kHz mono WAV file once and returns its path."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def spoken(self, name: str, text: str, voice: str = "en-us") -> Path:
        """`text` read by espeak-ng, resampled to 16 kHz mono."""
        path = self.folder / f"{name}.wav"
        if not path.exists():
            raw = espeak_wav(text, self.folder / f"{name}.espeak.wav", voice)
            ffmpeg("-i", str(raw), "-ar", "16000", "-ac", "1", str(path))
        return path

    def pitch(self) -> Path:
        return self.spoken("pitch", PITCH)

    def korean_pitch(self) -> Path:
        return self.spoken("pitch_ko", KOREAN_PITCH, voice="ko")

    def korean_show(self) -> Path:
        """About 16 s of a Korean shopping show (KO_SHOW), in a recorded Korean voice."""
        path = self.folder / "ko_show.wav"
        return path if path.exists() else korean_wav(" ".join(KO_SHOW), path)

    def long_track(self, seconds: int) -> tuple[Path, str]:
        """At least `seconds` of speech (whole sentences, cycled) and the text it reads."""
        sentences = max(1, seconds // 5)
        while True:
            text = " ".join(SENTENCES[i % len(SENTENCES)] for i in range(sentences))
            path = self.spoken(f"long_{sentences}", text)
            spoken_s = duration_s(path)
            if spoken_s >= seconds:
                return path, text
            sentences = int(sentences * seconds / spoken_s) + 1

    def silence(self, seconds: int = 10) -> Path:
        path = self.folder / f"silence_{seconds}s.wav"
        if not path.exists():
            ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", str(seconds), str(path))
        return path

    def tone(self, seconds: int = 10, frequency: int = 1000) -> Path:
        path = self.folder / f"tone_{frequency}hz_{seconds}s.wav"
        if not path.exists():
            ffmpeg(
                "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=16000",
                "-t", str(seconds), "-ac", "1", str(path),
            )  # fmt: skip
        return path


def scored_words(text: str) -> str:
    """Text as word error rates count it: lower case, punctuation gone (apostrophes kept: Whisper
    writes "tonight's" as spoken)."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def scored_characters(text: str) -> str:
    """Text as Korean character error rates count it: characters alone, as spacing and punctuation
    vary between writers."""
    return re.sub(r"[^\w]", "", text)
