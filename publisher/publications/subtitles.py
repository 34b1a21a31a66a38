"""A publication's subtitles: the cues of a language re-timed to the clip, as an ASS script to burn
in or as SRT and WebVTT sidecars next to the delivered file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from publisher.publications.plans import ConformPlan, Violation
from shopcast.media.ass_style import render_ass
from shopcast.media.cues import Cue
from shopcast.media.subtitle_formats import parse_vtt, render_srt, render_vtt, shift_cues
from shopcast.storage import ObjectStore

__all__ = ["SubtitleFile", "burn_script", "sidecar_files"]


def _language(plan: ConformPlan, wanted: str) -> str | None:
    return plan.spoken_language if wanted == "spoken" else wanted


def _cues(store: ObjectStore, plan: ConformPlan, language: str) -> list[Cue] | None:
    source = next((s for s in plan.subtitles if s.language == language), None)
    if source is None:
        return None
    cues = parse_vtt(store.get_bytes(source.vtt_key).decode("utf-8"))
    return shift_cues(cues, plan.ranges) if plan.ranges else cues


def _missing(wanted: str, language: str | None) -> Violation:
    what = "the spoken language's" if wanted == "spoken" else f"{wanted!r}"
    return Violation("subtitles_missing", f"the profile needs {what} subtitles and the source has none",
                     wanted, language)  # fmt: skip


def _draft(plan: ConformPlan, language: str) -> list[Violation]:
    source = next((s for s in plan.subtitles if s.language == language), None)
    if source is None or not source.draft or not plan.profile.subtitles.refuse_drafts:
        return []
    message = (
        f"the {language!r} subtitles are a draft machine translation (they failed the degeneracy "
        "checks): a PD's correction or a text translator's translation clears them"
    )
    return [Violation("subtitles_draft", message, "ok", "draft")]


def burn_script(store: ObjectStore, plan: ConformPlan, folder: Path) -> tuple[Path | None, list[Violation]]:
    """The ASS script to burn in (None when the profile burns nothing, the clip already has them,
    or no cue falls inside the clip), or the violation when the language has no subtitles."""
    wanted = plan.profile.subtitles.burn
    if wanted is None or plan.subtitles_burned:
        return None, []
    language = _language(plan, wanted)
    cues = _cues(store, plan, language) if language else None
    if cues is None:
        return None, [_missing(wanted, language)]
    if not cues:
        return None, []
    if language and (refused := _draft(plan, language)):
        return None, refused
    picture = plan.profile.picture
    script = folder / "burn.ass"
    script.write_text(render_ass(cues, picture.width, picture.height), encoding="utf-8")
    return script, []


@dataclass(frozen=True)
class SubtitleFile:
    path: Path
    language: str
    delivered: bool  # a sidecar the profile asks for; the others are for partners who pull


def sidecar_files(
    store: ObjectStore, plan: ConformPlan, folder: Path, stem: str
) -> tuple[list[SubtitleFile], list[Violation]]:
    """SRT and WebVTT files of every language the source has, re-timed to the clip, marking the
    sidecars the profile asks for; or the violations for the languages it asks for and lacks."""
    wanted: set[tuple[str, str]] = set()
    violations: list[Violation] = []
    for sidecar in plan.profile.subtitles.sidecars:
        language = _language(plan, sidecar.language)
        if language is None or all(s.language != language for s in plan.subtitles):
            violations.append(_missing(sidecar.language, language))
        else:
            violations += _draft(plan, language)
            wanted.update((language, extension) for extension in sidecar.formats)
    files: list[SubtitleFile] = []
    for source in plan.subtitles:
        cues = _cues(store, plan, source.language) or []
        for extension in ("srt", "vtt"):
            path = folder / f"{stem}.{source.language}.{extension}"
            path.write_text(render_srt(cues) if extension == "srt" else render_vtt(cues), encoding="utf-8")
            files.append(SubtitleFile(path, source.language, (source.language, extension) in wanted))
    return files, violations
