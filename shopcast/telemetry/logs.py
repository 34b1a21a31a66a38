"""Logging for every process: plain text for people, or one JSON object per line for collectors.

Each record carries the context fields (request_id, job_id, message_id) that are set
where it was logged, in either format, and no secrets (`redaction.py`).
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from shopcast.settings import Settings
from shopcast.telemetry import context
from shopcast.telemetry.redaction import RedactingFilter

__all__ = ["JsonFormatter", "configure_logging", "logging_config"]

_TEXT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        fields = context.current()
        for name, value in fields.items():
            setattr(record, name, value)
        record.context = "".join(f" [{k}={v}]" for k, v in fields.items())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, context fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        entry.update(context.current())
        for name in context.FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry.setdefault(name, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(settings: Settings) -> dict[str, Any]:
    """A `logging.config.dictConfig` dict: uvicorn applies it in each of its processes, Celery
    workers through their setup_logging signal."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if settings.log_format == "json" else {"format": _TEXT}
    quiet = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": _ContextFilter}, "redact": {"()": RedactingFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["context", "redact"],
                "formatter": "default",
            }
        },
        "root": {"handlers": ["stderr"], "level": settings.log_level.upper()},
        "loggers": {name: dict(quiet) for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery")},
    }


def configure_logging(settings: Settings) -> None:
    """Route the root logger (and uvicorn's and Celery's) to stderr in the configured format."""
    logging.config.dictConfig(logging_config(settings))
