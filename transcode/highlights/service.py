"""Highlight proposals of an asset: the job that finds them, and a PD's accept or dismiss.

The `highlights` job runs after an asset's subtitles, and again when a PD corrects the transcript or
the product timeline (`queue_highlights`). It reads the transcript, the timeline and the creator's
catalogue (commerce hands in its view at start-up: `set_catalogue_view`), makes one FFmpeg pass for
shot changes and loudness, and replaces the asset's `proposed` highlights with new ones; accepted
and dismissed ones stay, and a new proposal of the same product over a decided one is dropped, so
a PD is not asked twice. Accepting renders the highlight through the clip pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ingest import get_visible_asset, products_of, source_of
from shopcast.auth.service import Principal
from shopcast.db import rows_affected
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
    inputs: str  # what they were made from (`_inputs_of`): a finisher that finds it changed re-queues


def _inputs_of(session: Session, asset_id: str) -> str:
    """The transcript's version and the product timeline, as one comparable string."""
    tracks = sorted((t.language, t.version) for t in tracks_of(session, asset_id) if t.kind == "transcript")
    return json.dumps([tracks, products_of(session, asset_id)], sort_keys=True, default=str)


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
        inputs = _inputs_of(session, asset_id)
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
    return HighlightSet(owner_id, propose(signals, limits), inputs)


def publish_highlights(session: Session, asset_id: str, result: HighlightSet, max_attempts: int) -> None:
    """Make the proposals the asset's; emits highlights.ready. A proposal of the same pitch as a
    proposed row updates that row (its id stays), one over a decided row is dropped, and proposed
    rows no proposal took are deleted. When the transcript or the timeline changed while the job
    ran, nothing is published and the job is queued again: its inputs are gone."""
    if _inputs_of(session, asset_id) != result.inputs:
        queue_highlights(session, asset_id, max_attempts)
        return
    rows = list(session.scalars(select(Highlight).where(Highlight.asset_id == asset_id)))
    proposed = [row for row in rows if row.state == HighlightState.proposed]
    decided = [row for row in rows if row.state != HighlightState.proposed]
    fresh = [p for p in result.proposals if not any(_same_pitch(p, row) for row in decided)]
    taken: set[str] = set()
    for proposal in fresh:
        row = next((r for r in proposed if r.id not in taken and _same_pitch(proposal, r)), None)
        if row is None:
            row = Highlight(asset_id=asset_id, owner_id=result.owner_id)
            session.add(row)
        else:
            taken.add(row.id)
        _fill(row, proposal)
    gone = [row.id for row in proposed if row.id not in taken]
    if gone:
        # Only rows still proposed: a PD's decision committed meanwhile stands.
        session.execute(
            delete(Highlight).where(Highlight.id.in_(gone), Highlight.state == HighlightState.proposed)
        )
    session.flush()
    data = {"id": asset_id, "highlights": len(fresh), "products": sum(1 for p in fresh if p.product)}
    emit(session, "highlights.ready", owner_id=result.owner_id, subject_id=asset_id, data=data)


def _fill(row: Highlight, proposal: Proposal) -> None:
    product = None
    if proposal.product is not None:
        product = {"sku": proposal.product.sku, "name": proposal.product.name, **proposal.product.fields}
    row.start_s, row.end_s, row.score = proposal.start_s, proposal.end_s, proposal.score
    row.title, row.reason, row.product = proposal.title[:200], proposal.reason[:1000], product


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


def _decide(session: Session, highlight: Highlight, state: HighlightState) -> None:
    """Move a proposed highlight to `state`, once: of two PDs deciding at once, one gets 409."""
    won = session.execute(
        update(Highlight)
        .where(Highlight.id == highlight.id, Highlight.state == HighlightState.proposed)
        .values(state=state)
    )
    if rows_affected(won) != 1:
        session.refresh(highlight)
        raise Conflict(f"the highlight is already {highlight.state.value}", code="highlight_decided")


def accept(
    session: Session, settings: Settings, principal: Principal, highlight_id: str, body: AcceptIn
) -> Clip:
    """Render the highlight as a clip (queued like any clip); the clip carries its product. The
    title is not drawn on the picture (a clip's `title` is); the PD adds one with a clip of their own."""
    highlight = _visible(session, principal, highlight_id)
    _decide(session, highlight, HighlightState.accepted)
    options: dict[str, Any] = {}
    product = highlight.product
    if product is not None and product.get("url") and not _on_timeline(session, highlight):
        tag = ProductIn(
            sku=product["sku"], name=product["name"], url=str(product["url"]), at_s=highlight.start_s
        )
        options["products"] = [tag]
    clip_in = ClipIn(
        asset_id=highlight.asset_id,
        ranges=[RangeIn(in_s=highlight.start_s, out_s=highlight.end_s)],
        aspect=body.aspect,
        focus=body.focus,
        burn_subtitles=body.burn_subtitles,
        **options,
    )
    clip = create_clip(session, settings, principal, clip_in)
    highlight.clip_id = clip.id
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
    _decide(session, highlight, HighlightState.dismissed)
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
