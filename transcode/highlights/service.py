"""Highlight proposals of an asset: the job that finds them, and a PD's accept or dismiss.

The `highlights` job runs after an asset's subtitles, and again when a PD corrects the transcript or
the product timeline (`queue_highlights`). It reads the transcript, the timeline and the creator's
catalogue (commerce hands in its view at start-up: `set_catalogue_view`), makes one FFmpeg pass for
shot changes and loudness, and replaces the asset's `proposed` highlights with new ones; accepted
and dismissed ones stay, and a new proposal of the same product over a decided one is dropped, so
a PD is not asked twice. Accepting renders the highlight through the clip pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest import get_visible_asset, products_of, source_of
from shopcast.auth.service import Principal
from shopcast.errors import Conflict, NotFound
from shopcast.events.service import emit
from shopcast.jobs.models import Job, JobState
from shopcast.jobs.registry import ProgressReport
from shopcast.jobs.scratch import job_scratch
from shopcast.jobs.service import create_job
from shopcast.media.subtitle_formats import parse_vtt
from shopcast.runtime import Runtime
from shopcast.settings import Settings
from transcode.clips.models import Clip
from transcode.clips.schemas import ClipIn, ProductIn, RangeIn
from transcode.clips.service import create_clip
from transcode.highlights.measure import measure_show, show_signals
from transcode.highlights.models import Highlight, HighlightState
from transcode.highlights.proposals import Limits, Proposal, propose
from transcode.highlights.schemas import AcceptIn, HighlightOut, HighlightProductOut
from transcode.hls.service import asset_gone_checker
from transcode.local_source import local_source
from transcode.subtitles.service import track_key, tracks_of

HIGHLIGHTS_KIND = "highlights"
# (session, owner id) -> the owner's catalogue: dicts with sku, name, aliases, url, price, ...
CatalogueView = Callable[[Session, str], list[dict[str, Any]]]
_catalogue_view: CatalogueView | None = None


def set_catalogue_view(view: CatalogueView) -> None:
    global _catalogue_view
    _catalogue_view = view


# (session, clip id, id of the user who accepted) -> None: told in the transaction that makes an
# accepted highlight's clip ready (the publisher's channels that take highlights, wired at start-up)
ShortListener = Callable[[Session, str, str], None]
_short_listener: ShortListener | None = None


def set_short_listener(listener: ShortListener) -> None:
    global _short_listener
    _short_listener = listener


def short_ready(session: Session, clip_id: str) -> None:
    """Called when a clip is ready: when it is an accepted highlight's, tell the listener."""
    highlight = session.scalar(select(Highlight).where(Highlight.clip_id == clip_id))
    clip = session.get(Clip, clip_id)
    if highlight is not None and clip is not None and clip.created_by and _short_listener is not None:
        _short_listener(session, clip_id, clip.created_by)


@dataclass(frozen=True)
class HighlightSet:
    owner_id: str
    proposals: list[Proposal]


def queue_highlights(session: Session, asset_id: str, max_attempts: int) -> None:
    """Queue the asset's highlight job, unless one is already waiting (it will see this change)."""
    waiting = session.scalar(
        select(Job.id).where(
            Job.asset_id == asset_id, Job.kind == HIGHLIGHTS_KIND, Job.state == JobState.queued
        )
    )
    if waiting is None:
        create_job(session, HIGHLIGHTS_KIND, asset_id=asset_id, max_attempts=max_attempts)


def propose_for_asset(runtime: Runtime, asset_id: str, report: ProgressReport) -> HighlightSet | None:
    """The asset's proposals; None when the asset is gone."""
    with runtime.sessions() as session:
        found = source_of(session, asset_id)
        if found is None:
            return None
        owner_id, source = found
        timeline = products_of(session, asset_id)
        catalogue = _catalogue_view(session, owner_id) if _catalogue_view is not None else []
        transcript = [track for track in tracks_of(session, asset_id) if track.kind == "transcript"]
        vtt_key = track_key(transcript[0], "vtt") if transcript else None
    cues = parse_vtt(runtime.store.get_bytes(vtt_key).decode("utf-8")) if vtt_key else []
    duration = float(source.duration_s)
    with job_scratch(runtime.settings) as folder:
        measures = measure_show(
            local_source(runtime, asset_id, folder),
            folder,
            duration,
            video=bool(source.video_codec),
            audio=bool(source.audio_codec),
            timeout_s=runtime.settings.show_signals_time_limit.for_media(duration),
            cancelled=asset_gone_checker(runtime, asset_id),
            on_progress=lambda p: report(0.9 * p.fraction),
        )
    signals = show_signals(duration, cues, timeline, catalogue, measures)
    settings = runtime.settings
    limits = Limits(settings.highlight_min_s, settings.highlight_max_s, settings.highlight_peaks)
    return HighlightSet(owner_id, propose(signals, limits))


def publish_highlights(session: Session, asset_id: str, result: HighlightSet) -> None:
    """Replace the asset's proposed highlights; emits highlights.ready."""
    rows = list(session.scalars(select(Highlight).where(Highlight.asset_id == asset_id)))
    decided = [row for row in rows if row.state != HighlightState.proposed]
    for row in rows:
        if row.state == HighlightState.proposed:
            session.delete(row)
    fresh = [p for p in result.proposals if not any(_same_pitch(p, row) for row in decided)]
    for proposal in fresh:
        product = None
        if proposal.product is not None:
            product = {"sku": proposal.product.sku, "name": proposal.product.name, **proposal.product.fields}
        session.add(
            Highlight(
                asset_id=asset_id,
                owner_id=result.owner_id,
                start_s=proposal.start_s,
                end_s=proposal.end_s,
                score=proposal.score,
                title=proposal.title[:200],
                reason=proposal.reason[:1000],
                product=product,
            )
        )
    session.flush()
    data = {"id": asset_id, "highlights": len(fresh), "products": sum(1 for p in fresh if p.product)}
    emit(session, "highlights.ready", owner_id=result.owner_id, subject_id=asset_id, data=data)


def _same_pitch(proposal: Proposal, row: Highlight) -> bool:
    sku = proposal.product.sku if proposal.product is not None else None
    if sku != (row.product or {}).get("sku"):
        return False
    overlap = min(proposal.end_s, row.end_s) - max(proposal.start_s, row.start_s)
    union = max(proposal.end_s, row.end_s) - min(proposal.start_s, row.start_s)
    return union > 0 and overlap / union >= 0.5


def list_for_asset(session: Session, principal: Principal, asset_id: str, dismissed: bool) -> list[Highlight]:
    """The asset's highlights, best first; dismissed ones only when asked."""
    get_visible_asset(session, principal, asset_id)
    query = select(Highlight).where(Highlight.asset_id == asset_id)
    if not dismissed:
        query = query.where(Highlight.state != HighlightState.dismissed)
    return list(session.scalars(query.order_by(Highlight.score.desc(), Highlight.start_s)))


def _visible(session: Session, principal: Principal, highlight_id: str) -> Highlight:
    highlight = session.get(Highlight, highlight_id)
    if highlight is None:
        raise NotFound("no such highlight", code="not_found")
    try:
        get_visible_asset(session, principal, highlight.asset_id)
    except NotFound:
        raise NotFound("no such highlight", code="not_found") from None
    return highlight


def _undecided(highlight: Highlight) -> None:
    if highlight.state != HighlightState.proposed:
        raise Conflict(f"the highlight is already {highlight.state.value}", code="highlight_decided")


def accept(
    session: Session, settings: Settings, principal: Principal, highlight_id: str, body: AcceptIn
) -> Clip:
    """Render the highlight as a clip (queued like any clip); the clip carries its product."""
    highlight = _visible(session, principal, highlight_id)
    _undecided(highlight)
    options: dict[str, Any] = {}
    if highlight.product is not None and not _on_timeline(session, highlight):
        product = highlight.product
        url = str(product.get("url") or "")
        options["products"] = [
            ProductIn(sku=product["sku"], name=product["name"], url=url, at_s=highlight.start_s)
        ]
    clip_in = ClipIn(
        asset_id=highlight.asset_id,
        ranges=[RangeIn(in_s=highlight.start_s, out_s=highlight.end_s)],
        aspect=body.aspect,
        focus=body.focus,
        burn_subtitles=body.burn_subtitles,
        title=highlight.title,
        **options,
    )
    clip = create_clip(session, settings, principal, clip_in)
    highlight.state, highlight.clip_id = HighlightState.accepted, clip.id
    return clip


def _on_timeline(session: Session, highlight: Highlight) -> bool:
    """Whether the asset's timeline shows the highlight's product inside it (the clip inherits it)."""
    sku = (highlight.product or {}).get("sku")
    return any(
        entry.get("sku") == sku and entry["start_s"] < highlight.end_s and entry["end_s"] > highlight.start_s
        for entry in products_of(session, highlight.asset_id)
    )


def dismiss(session: Session, principal: Principal, highlight_id: str) -> Highlight:
    highlight = _visible(session, principal, highlight_id)
    _undecided(highlight)
    highlight.state = HighlightState.dismissed
    return highlight


def to_out(highlight: Highlight) -> HighlightOut:
    product = HighlightProductOut.model_validate(highlight.product) if highlight.product else None
    return HighlightOut(
        id=highlight.id,
        asset_id=highlight.asset_id,
        start_s=highlight.start_s,
        end_s=highlight.end_s,
        score=highlight.score,
        title=highlight.title,
        reason=highlight.reason,
        product=product,
        state=highlight.state.value,
        clip_id=highlight.clip_id,
    )
