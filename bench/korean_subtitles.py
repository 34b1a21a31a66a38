"""Korean subtitles measured, in one run: character error rate with and without the catalogue's
bias, and how many of Whisper's Korean→English translations the degeneracy checks mark draft.

    .venv/bin/python -m bench.korean_subtitles

Each show is a few Korean shopping-show sentences (prices, percentages, product names, 장바구니,
배송) read by MBROLA's recorded Korean voice (../shared/tools/ko_speech). Targets (issue 19): the
full pass with the catalogue's bias at CER <= 0.10. The draft share is what an overseas channel
would have been sent as garbage without the checks (none of it reaches one: the profile refuses
drafts).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import jiwer

from shopcast.settings import Settings
from tests.harness.speech import korean_wav, scored_characters
from transcode.subtitles.quality import judge
from transcode.subtitles.transcriber import load_transcriber
from transcode.subtitles.vocabulary import KOREAN_SHOPPING_WORDS

SHOWS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        (
            "안녕하세요, 여러분. 오늘 소개할 상품은 제주 감귤입니다.",
            "한 박스에 19,000원이고, 오늘만 20% 할인해 드려요.",
            "지금 장바구니에 담으시면 내일 바로 배송됩니다.",
        ),
        "제주 감귤",
    ),
    (
        (
            "다음 상품은 국산 참기름이에요. 고소한 향이 정말 좋습니다.",
            "한 병에 9,900원, 두 병 사시면 배송비가 무료예요.",
            "참기름은 저온에서 짜서 향이 오래갑니다.",
        ),
        "국산 참기름",
    ),
    (
        (
            "이번에는 수제 딸기잼을 보여 드릴게요. 설탕을 30% 줄였어요.",
            "유리병 하나에 12,000원입니다.",
            "아이들 간식으로 빵에 발라 주시면 좋아요.",
        ),
        "수제 딸기잼",
    ),
    (
        (
            "마지막 상품은 무선 청소기입니다. 무게가 1.5킬로그램이에요.",
            "배터리는 40분 동안 쓸 수 있습니다.",
            "오늘 주문하시면 사은품으로 필터를 하나 더 드려요.",
        ),
        "무선 청소기",
    ),
)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="shopcast-korean-") as scratch:
        folder = Path(scratch)
        transcriber = load_transcriber(Settings(data_dir=folder / "data"))
        references, plain, biased, drafts, seconds = [], [], [], 0, 0.0
        started = time.perf_counter()
        for number, (sentences, product) in enumerate(SHOWS):
            text = " ".join(sentences)
            wav = korean_wav(text, folder / f"show{number}.wav")
            spoken = transcriber.transcribe(wav, language=None, task="transcribe")
            vocabulary = [product, *KOREAN_SHOPPING_WORDS]
            with_names = transcriber.transcribe(wav, language=None, task="transcribe", vocabulary=vocabulary)
            english = transcriber.transcribe(wav, language="ko", task="translate")
            verdict = judge(english, with_names)
            drafts += verdict.quality == "draft"
            seconds += spoken.duration_s
            references.append(scored_characters(text))
            plain.append(scored_characters(spoken.text))
            biased.append(scored_characters(with_names.text))
            print(f"show {number}: {spoken.duration_s:.1f} s; English {verdict.quality} {verdict.reasons}: "
                  f"{english.text[:100]!r}", flush=True)  # fmt: skip
        print(f"Korean speech: {seconds:.1f} s in {len(SHOWS)} shows ({time.perf_counter() - started:.0f} s)")
        print(f"CER plain           {jiwer.cer(references, plain):.3f}")
        print(f"CER catalogue bias  {jiwer.cer(references, biased):.3f}   (target <= 0.10)")
        print(f"Korean->English tracks marked draft: {drafts}/{len(SHOWS)}; delivered to overseas: 0 "
              "(the profile refuses drafts)")  # fmt: skip


if __name__ == "__main__":
    main()
