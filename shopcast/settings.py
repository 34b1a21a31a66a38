"""The one Settings object. Every knob is an environment variable with the SHOPCAST_ prefix."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class TimeLimit(BaseModel):
    """How long one FFmpeg process may run: `floor_s`, or `per_media_s` seconds for every second of
    media it works on, whichever is longer. Set as JSON, e.g.
    `SHOPCAST_LADDER_TIME_LIMIT='{"floor_s": 600, "per_media_s": 20}'`."""

    model_config = ConfigDict(frozen=True)

    floor_s: float = Field(gt=0)
    per_media_s: float = Field(default=0.0, ge=0)

    def for_media(self, duration_s: float = 0.0) -> float:
        """The limit in seconds for `duration_s` seconds of media."""
        return max(self.floor_s, duration_s * self.per_media_s)


class Settings(BaseSettings):
    """Process-wide configuration; build it once at the edge and pass it in."""

    model_config = SettingsConfigDict(env_prefix="SHOPCAST_", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None
    broker_url: str | None = None
    storage_url: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = "dev-only-change-me"  # noqa: S105 - production sets SHOPCAST_SECRET_KEY

    # tus uploads
    max_upload_bytes: int = 50 * 1024**3
    upload_expiry_s: int = 24 * 3600
    upload_part_bytes: int = 8 * 1024 * 1024
    upload_lock_wait_s: float = 5.0
    # tus upload lock: a PATCH holding an upload renews its lock while it makes progress;
    # one whose client sends nothing for this long loses it to a retry, and may then write nothing.
    upload_lock_stale_s: float = Field(default=30.0, gt=0)

    # input limits (docs/architecture.md, Input safety)
    max_duration_s: float = 8 * 3600
    max_long_side: int = 7680
    max_short_side: int = 4320
    max_fps: float = 120.0
    max_streams: int = 16
    probe_timeout_s: float = 30.0
    # The probe's child process hits this address-space ceiling before a decode bomb fills the worker.
    probe_memory_bytes: int = Field(default=4 * 1024**3, ge=256 * 1024**2)

    # FFmpeg time limits, per kind of process (TimeLimit: a floor, or so much per media second)
    ladder_time_limit: TimeLimit = TimeLimit(floor_s=600.0, per_media_s=20.0)
    ladder_audio_time_limit: TimeLimit = TimeLimit(floor_s=600.0)
    preview_time_limit: TimeLimit = TimeLimit(floor_s=120.0, per_media_s=5.0)
    loudness_time_limit: TimeLimit = TimeLimit(floor_s=300.0, per_media_s=5.0)
    speech_extract_time_limit: TimeLimit = TimeLimit(floor_s=120.0, per_media_s=1.0)
    storyboard_time_limit: TimeLimit = TimeLimit(floor_s=300.0, per_media_s=5.0)
    show_signals_time_limit: TimeLimit = TimeLimit(floor_s=120.0, per_media_s=2.0)
    poster_time_limit: TimeLimit = TimeLimit(floor_s=120.0)
    clip_render_time_limit: TimeLimit = TimeLimit(floor_s=300.0, per_media_s=30.0)
    conform_time_limit: TimeLimit = TimeLimit(floor_s=300.0, per_media_s=40.0)

    # highlight proposals (transcode/highlights): how long a proposal may be, and how many proposals
    # without a product (the show's loudest, busiest moments) join the product pitches
    highlight_min_s: float = Field(default=10.0, ge=1.0)
    highlight_max_s: float = Field(default=120.0, ge=5.0)
    highlight_peaks: int = Field(default=2, ge=0, le=20)

    # clip edits: a clip's render work is bounded at creation, not by the job's time
    # limit: at most this many ranges, and this many seconds of ranges in all (overlaps count twice).
    # The request schema refuses more than 1000 ranges while parsing, so the count stays at or below it.
    clip_max_ranges: int = Field(default=20, ge=1, le=1000)
    clip_max_total_s: float = Field(default=600.0, gt=0)

    # jobs
    job_max_attempts: int = 3
    job_heartbeat_s: float = 5.0
    job_stale_after_s: float = 30.0
    job_resend_after_s: float = 600.0
    sweep_interval_s: float = 10.0
    broker_polling_interval_s: float = 0.05
    redis_visibility_timeout_s: int = 6 * 3600

    # API conventions
    rate_limit_per_minute: int = 1200
    rate_limit_burst: int = 200
    idempotency_ttl_s: int = 24 * 3600

    # HTTP edge hardening: request bodies of routes that take JSON are capped at this
    # (tus, WHIP offers and subtitle files keep their own caps); request headers in all at this, which
    # the API server enforces before the app sees the request
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_header_bytes: int = Field(default=64 * 1024, ge=4096)
    # sign-in for people (shopcast/auth/web_sessions.py): a session cookie lives at most
    # web_session_ttl_s and ends after web_session_idle_s without a request; a sign-in link works
    # once, within signin_link_ttl_s; failed sign-ins within signin_window_s are capped per account
    # and per client address
    web_session_ttl_s: int = Field(default=12 * 3600, ge=60)
    web_session_idle_s: int = Field(default=2 * 3600, ge=60)
    signin_link_ttl_s: int = Field(default=15 * 60, ge=60, le=7 * 86400)
    signin_window_s: int = Field(default=15 * 60, ge=1)
    signin_failures_per_account: int = Field(default=5, ge=1)
    signin_failures_per_address: int = Field(default=20, ge=1)
    # development mode: only with SHOPCAST_DEV=1 (`make run`, the test stacks) may the
    # API and workers start with a placeholder secret_key (shopcast/cli/startup_checks.py)
    dev: bool = False

    # playback
    playback_ttl_s: int = 6 * 3600
    # the shoppable embed player's links, which malls keep in their pages
    embed_ttl_s: int = Field(default=30 * 86400, ge=60)
    x264_preset: str = "veryfast"
    # Sources longer than this are encoded as chunks by several workers, then stitched.
    split_above_s: float = Field(default=600.0, gt=0)
    chunk_s: int = Field(default=32, ge=8, multiple_of=4)  # whole segments, so joins are segment starts

    # subtitles: the Whisper model is `base` from the registry packages, a model directory, or a hub name
    whisper_model: str = "base"
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    whisper_threads: int = Field(default=2, ge=1)
    # Speech chunks decoded together by faster-whisper's batched pipeline (1: one after another). On
    # 2 cores, 4 and 8 run at the same speed, 40 % faster than 1; 8 peaks ~350 MB higher than 4.
    whisper_batch_size: int = Field(default=4, ge=1)
    # A text translator speaking the LibreTranslate API (e.g. http://127.0.0.1:5000): when set, English
    # subtitles are translated from the Korean cues, and again from a PD's corrected ones; when not,
    # Whisper translates from the audio. An operator's service, so private addresses are allowed.
    translate_url: str = ""
    translate_api_key: str = ""
    translate_timeout_s: float = Field(default=60.0, gt=0, le=600)

    # webhooks (Standard Webhooks): deliveries time out after 15 s; a failed one is retried after each
    # delay of the schedule in turn (times the scale, which tests shrink), then dead-lettered.
    webhook_allow_private: bool = False  # deliver to loopback and private networks too
    webhook_timeout_s: float = Field(default=15.0, gt=0, le=120)
    webhook_retry_schedule_s: Annotated[list[float], NoDecode] = [5, 300, 1800, 7200, 18000, 36000, 36000]
    webhook_retry_scale: float = Field(default=1.0, gt=0)
    webhook_secret_grace_s: int = 24 * 3600  # a rotated secret keeps signing this long
    webhook_resend_after_s: float = 60.0  # a due message whose task went missing is sent again

    # publisher: partner download URLs expire after this long; pushes to partners time out after this;
    # botocore tries each request to a partner's S3 this many times in all (the first try and its
    # retries) before the delivery attempt fails and the job's next attempt delivers again
    partner_url_ttl_s: int = Field(default=3600, ge=1)
    publish_timeout_s: float = Field(default=300.0, gt=0)
    publish_s3_request_attempts: int = Field(default=4, ge=1, le=10)
    # HTTPS push: one request's whole exchange (sending the file, the partner's answer)
    # ends by this deadline; publish_timeout_s above bounds each single read or write within it
    publish_push_deadline_s: float = Field(default=1800.0, gt=0)
    # a publication waiting for its asset's subtitles job (publisher/publications/waiting.py)
    # fails with `subtitles_timeout` once it has waited this long
    publication_subtitles_wait_s: float = Field(default=6 * 3600.0, gt=0)

    # live ingest (WHIP): the addresses WebRTC gathers and advertises (comma-separated; empty: the
    # machine's interfaces), ICE servers advertised to publishers (comma-separated URLs), how long a
    # dropped publisher may reconnect and continue the same stream, and the recording's segment length
    webrtc_hosts: str = ""
    webrtc_ice_servers: str = ""
    live_reconnect_grace_s: float = Field(default=10.0, ge=0)
    live_segment_s: float = Field(default=2.0, gt=0)
    live_max_offer_bytes: int = Field(default=64 * 1024, ge=1024)
    live_media_timeout_s: float = Field(default=15.0, gt=0)  # connected but silent this long: gone
    # Packets wait this long at most for both tracks' RTCP sender reports, which align audio and video
    live_sync_wait_s: float = Field(default=3.0, ge=0)

    # live ingest from studio encoders (ingest/live/rtmp_engine.py, srt_listener.py): RTMP through
    # Debian's nginx with its RTMP module on rtmp_port (0: off), RTMPS when a certificate and key are
    # given; SRT on the first free port of srt_ports ("first-last" or one port; empty: off), bound
    # to live_listen_host. The host in rtmp_url and srt_url is live_public_host, or public_url's.
    # nginx asks the API at rtmp_callback_url (default: public_url) whether a key may publish, and
    # the API pulls the stream from nginx at rtmp_pull_host, which alone may play from it.
    rtmp_port: int = Field(default=1935, ge=0, le=65535)
    rtmps_port: int = Field(default=1936, ge=0, le=65535)
    rtmps_cert_file: str = ""
    rtmps_key_file: str = ""
    rtmp_callback_url: str = ""
    rtmp_pull_host: str = "127.0.0.1"
    srt_ports: str = "8890-8899"
    # restream (ingest/restream/): destinations of a live stream must be public addresses unless this
    # is set; at most this many per stream; a dropped push is retried after 1 s, doubling up to the max
    restream_allow_private: bool = False
    restream_max_destinations: int = Field(default=5, ge=1, le=50)
    restream_retry_max_s: float = Field(default=30.0, gt=0)
    live_listen_host: str = "0.0.0.0"  # noqa: S104 - encoders in the studio reach it over the network
    live_public_host: str = ""

    # studio bookings
    stream_key_lead_minutes: int = 15
    stream_key_grace_minutes: int = 15
    # Booking limits per creator, so that one creator cannot hold every slot of a
    # studio: a booking must start within this many days, and a creator holds at most this many
    # open (future, not cancelled) bookings across all studios. Admins are not limited.
    booking_horizon_days: int = Field(default=180, ge=1)
    max_open_bookings_per_creator: int = Field(default=10, ge=1)

    worker_concurrency: int = Field(default=2, ge=1)

    # one box (`shopcast up`, shopcast/cli/lanes.py): a worker for the short queues and one for the
    # long queues, so probes and previews never wait behind ladders; the long lane runs at a lower
    # CPU priority, so short jobs and the API get the cores first when both want them
    up_short_concurrency: int = Field(default=4, ge=1)
    up_long_concurrency: int = Field(default=2, ge=1)
    up_long_nice: int = Field(default=10, ge=0, le=19)
    up_worker_ready_timeout_s: float = Field(default=120.0, gt=0)

    # operations: log format and level for every process; a worker serves its metrics on this port
    # (0: off) for Prometheus, bound to worker_metrics_host (0.0.0.0 in containers)
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)

    @field_validator("webhook_retry_schedule_s", mode="before")
    @classmethod
    def _delays(cls, value: object) -> object:
        """Also "5,300,1800" or a JSON list, as environment variables give them."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [float(v) for v in text.split(",") if v.strip()]
        return value

    @field_validator("webhook_retry_schedule_s")
    @classmethod
    def _finite_delays(cls, value: list[float]) -> list[float]:
        if any(not 0 <= delay <= 7 * 24 * 3600 for delay in value):
            raise ValueError("retry delays are seconds from 0 to a week")
        return value

    @field_validator("srt_ports")
    @classmethod
    def _port_range(cls, value: str) -> str:
        if value.strip():
            first, _, last = value.strip().partition("-")
            low, high = int(first), int(last or first)
            if not 1 <= low <= high <= 65535:
                raise ValueError('srt_ports is one port or "first-last", within 1 to 65535')
        return value.strip()

    @property
    def srt_port_range(self) -> range:
        """The ports SRT may listen on (empty when SRT is off)."""
        if not self.srt_ports:
            return range(0)
        first, _, last = self.srt_ports.partition("-")
        return range(int(first), int(last or first) + 1)

    @property
    def rtmps_enabled(self) -> bool:
        return bool(self.rtmp_port and self.rtmps_port and self.rtmps_cert_file and self.rtmps_key_file)

    @property
    def live_host(self) -> str:
        """The host that encoders are told to send to (in rtmp_url and srt_url)."""
        return self.live_public_host or urlsplit(self.public_url).hostname or "127.0.0.1"

    @cached_property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.resolve()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'shopcast.db'}"

    @property
    def effective_broker_url(self) -> str:
        return self.broker_url or "filesystem://"

    @property
    def effective_storage_url(self) -> str:
        return self.storage_url or (self.resolved_data_dir / "objects").as_uri()

    @property
    def broker_dir(self) -> Path:
        return self.resolved_data_dir / "broker"

    @property
    def scratch_dir(self) -> Path:
        return self.resolved_data_dir / "scratch"

    @property
    def live_dir(self) -> Path:
        """Where this API node writes the recordings of the streams it receives."""
        return self.resolved_data_dir / "live"


def load_settings() -> Settings:
    """Read settings from the environment (the CLI and app factories call this once)."""
    return Settings()
