"""The `shopcast` command: run the service, manage users, upload footage."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shopcast.cli.users import users_app
from shopcast.jobs.registry import QUEUES
from shopcast.settings import Settings, load_settings

if TYPE_CHECKING:
    from transcode import ModelStatus

app = typer.Typer(help="Shopcast: media pipeline for live commerce.", no_args_is_help=True)
assets_app = typer.Typer(help="Assets: upload footage.", no_args_is_help=True)
models_app = typer.Typer(help="Speech models for subtitles.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(assets_app, name="assets")
app.add_typer(models_app, name="models")

ALL_QUEUES = ",".join(QUEUES)
_EXIT_CONFIG = 78  # sysexits' EX_CONFIG: supervisors can tell a configuration error from a crash


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from shopcast.migrations import upgrade

    upgrade(load_settings())
    typer.echo("database is up to date")


@app.command()
def api(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the HTTP API (production: one of many API processes)."""
    import uvicorn

    from shopcast.cli.heap import return_large_buffers
    from shopcast.telemetry.logs import logging_config

    settings = _serving_settings("api")
    return_large_buffers()
    uvicorn.run(
        "shopcast.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=logging_config(settings),
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
        # h11, because only it bounds the request head: httptools buffers a header of any size
        http="h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )


@app.command()
def worker(
    queues: Annotated[str, typer.Option(help="Comma-separated queues to consume.")] = ALL_QUEUES,
    concurrency: Annotated[int | None, typer.Option(help="Parallel jobs (default: settings).")] = None,
    name: Annotated[str | None, typer.Option(help="Worker node name.")] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics on this port (0: off; default: settings).")
    ] = None,
    nice: Annotated[int, typer.Option(min=0, max=19, help="Lower this worker's CPU priority by this.")] = 0,
    ready_file: Annotated[
        Path | None, typer.Option(help="Create this file once the worker consumes (for supervisors).")
    ] = None,
) -> None:
    """Run a Celery worker on the given queues."""
    settings = _serving_settings("worker")
    if nice:
        os.nice(nice)  # before the pool forks: its children and their FFmpeg inherit it
    port = settings.worker_metrics_port if metrics_port is None else metrics_port
    if port:
        _prepare_worker_metrics(settings)
    from shopcast.celery_app import configure_celery

    celery = configure_celery(settings)
    import shopcast.jobs.tasks  # noqa: F401  (registers the task and the sweeper)

    _worker_logging(settings)
    if ready_file is not None:
        _note_ready(ready_file)
    if port:
        from shopcast.telemetry.worker_metrics import start_exporter

        start_exporter(settings.worker_metrics_host, port)

    argv = [
        "worker",
        f"--queues={queues}",
        f"--concurrency={concurrency or settings.worker_concurrency}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    if name:
        argv.append(f"--hostname={name}")
    celery.worker_main(argv)


@app.command()
def rtmp() -> None:
    """Run the RTMP engine (nginx with its RTMP module) in the foreground, configured for this server."""
    from ingest import prepare_engine

    settings = _serving_settings("rtmp")
    if not settings.rtmp_port:
        typer.echo("RTMP ingest is off (SHOPCAST_RTMP_PORT=0)", err=True)
        raise typer.Exit(_EXIT_CONFIG)
    try:
        engine = prepare_engine(settings)
    except RuntimeError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(_EXIT_CONFIG) from exc
    os.execv(engine.argv[0], engine.argv)  # noqa: S606 - nginx itself takes the signals


@app.command()
def up(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Migrate, then run API and workers as one supervised process tree (Ctrl-C stops all)."""
    from shopcast.cli.supervisor import run_supervised

    raise typer.Exit(run_supervised(_serving_settings("up"), host, port))


@app.command()
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Check settings, database, broker, storage, FFmpeg, speech model, live ingest and disk; exits 1
    on a failure."""
    from pydantic import ValidationError

    from shopcast.cli.doctor import Check, print_checks, run_checks

    try:
        checks = run_checks(load_settings())
    except ValidationError as exc:
        detail = str(exc).replace("\n", " ")[:500]
        checks = [Check("settings", "fail", detail, "fix the SHOPCAST_ variables it names")]
    print_checks(checks, as_json)
    raise typer.Exit(1 if any(check.status == "fail" for check in checks) else 0)


@assets_app.command("upload")
def assets_upload(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    server: Annotated[str, typer.Option(envvar="SHOPCAST_SERVER")] = "http://127.0.0.1:8000",
    token: Annotated[str, typer.Option(envvar="SHOPCAST_TOKEN", help="API token.")] = "",
    title: Annotated[str | None, typer.Option(help="Asset title.")] = None,
    chunk_mb: Annotated[int, typer.Option(help="Bytes per PATCH, in MiB.")] = 8,
) -> None:
    """Upload FILE with tus, resuming after a dropped connection or a restart of this command."""
    from shopcast.cli.upload_client import upload_file

    if not token:
        raise typer.BadParameter("pass --token or set SHOPCAST_TOKEN")
    asset_id = upload_file(file, server, token, title, chunk_mb * 1024 * 1024, _state_dir())
    typer.echo(asset_id)


@app.command()
def publish(
    clip_id: Annotated[str, typer.Argument(help="The clip to publish.")],
    channel: Annotated[str, typer.Option(help="The channel's name.")],
    server: Annotated[str, typer.Option(envvar="SHOPCAST_SERVER")] = "http://127.0.0.1:8000",
    token: Annotated[str, typer.Option(envvar="SHOPCAST_TOKEN", help="API token.")] = "",
) -> None:
    """Conform CLIP_ID to the channel's profile and deliver it, with a progress bar; prints the
    receipt. Exits 1 with the violations when the clip cannot meet the profile."""
    import json

    import httpx
    from rich.progress import Progress

    from publisher import PublishFailed, channel_id_by_name, publish_and_follow

    if not token:
        raise typer.BadParameter("pass --token or set SHOPCAST_TOKEN")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=60) as client, Progress() as bar:
        task = bar.add_task("queued", total=1.0)
        try:
            found = channel_id_by_name(client, channel)
            done = publish_and_follow(
                client,
                clip_id,
                found,
                lambda state, share: bar.update(task, completed=share, description=state),
            )
        except PublishFailed as exc:
            bar.stop()
            typer.echo(f"publication failed: {exc}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(json.dumps(done["receipt"], indent=2))


@models_app.command("status")
def models_status() -> None:
    """Which Whisper model is configured, whether its files are installed and verify; exits 1 if not."""
    from transcode import model_status

    status = model_status(load_settings())
    for line in _describe_model(status):
        typer.echo(line)
    raise typer.Exit(0 if status.ready else 1)


def _describe_model(status: ModelStatus) -> list[str]:
    sources = {
        "registry": "from the registry packages, the whisper-base extra",
        "directory": "a local model directory",
        "hub": "a hub model, fetched by faster-whisper on first use",
        None: "unusable",
    }
    lines = [f"model: {status.configured} ({sources[status.kind]})"]
    for distribution, version in status.packages.items():
        lines.append(f"package {distribution}: {version or 'not installed'}")
    if status.cache_dir is not None:
        state = {
            "verified": "joined, sha256 verified",
            "absent": "not joined yet (joined on first use)",
            "damaged": "damaged (rebuilt on next use)",
            "not used": "not used",
        }[status.cache_state]
        lines.append(f"cache {status.cache_dir}: {state}")
    if status.problem:
        lines.append(f"problem: {status.problem}")
    lines.append(f"ready: {'yes' if status.ready else 'no'}")
    return lines


def _serving_settings(command: str) -> Settings:
    """The settings of a process that serves (api, worker, up); a placeholder secret outside
    development mode ends it here, before it listens or consumes, with what to do instead."""
    from shopcast.cli.startup_checks import PlaceholderSecret, refuse_placeholder_secret

    settings = load_settings()
    try:
        refuse_placeholder_secret(settings, command)
    except PlaceholderSecret as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(_EXIT_CONFIG) from exc
    return settings


def _prepare_worker_metrics(settings: Settings) -> None:
    """Multiprocess metrics in this worker's scratch space, which the sweeper removes once it is gone;
    before anything imports prometheus_client."""
    from shopcast.jobs.scratch import process_scratch
    from shopcast.telemetry.multiprocess import prepare_multiprocess

    prepare_multiprocess(process_scratch(settings) / "metrics")


def _note_ready(path: Path) -> None:
    """Create `path` when Celery says the worker is ready: its queues are declared and it consumes."""
    from celery.signals import worker_ready

    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    worker_ready.connect(lambda **_: path.touch(), weak=False)


def _worker_logging(settings: Settings) -> None:
    """Celery leaves logging alone when someone answers its setup_logging signal."""
    from celery.signals import setup_logging

    from shopcast.telemetry.logs import configure_logging

    setup_logging.connect(lambda **_: configure_logging(settings), weak=False)


def _state_dir() -> Path:
    return Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "shopcast"


def main() -> None:
    """The console script: the API's refusals (a taken name, a weak password) end the command with
    their message and exit status 1, not a traceback."""
    from shopcast.errors import ShopcastError

    try:
        app()
    except ShopcastError as exc:
        typer.echo(f"error: {exc.message} ({exc.code})", err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
