"""Logging for the CLI and the service, set up once at start: one line per event.

Two formats on stderr (journald and container runtimes collect it):

- ``text`` for people: ``2026-12-07T18:40:00.123Z INFO nieuwsradar.scheduler: message``;
- ``json`` for machines: one object per line with ``time``, ``level``, ``logger``,
  ``message`` and ``exc_info`` (the traceback, or null).

Line breaks inside a message or a traceback are written as ``\\n`` in text too, so one
event is always one line (an error text quoted from a feed cannot forge log lines).
uvicorn's and APScheduler's loggers go through the same handler; their chatter (every
job run, every HTTP request of a poll) is kept at WARNING unless DEBUG is asked for.
The level comes from the caller, or ``NIEUWSRADAR_LOG_LEVEL`` (DEBUG, INFO, WARNING...).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import IO, Literal

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
LEVEL_ENV = "NIEUWSRADAR_LOG_LEVEL"

#: Libraries that log an INFO line for every job run or outgoing request.
_CHATTY = ("apscheduler", "httpx", "httpcore")
#: uvicorn configures these itself unless told not to; ours propagate to the root.
_UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")


def _time(record: logging.LogRecord) -> str:
    stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message`` on one line, the traceback appended to it."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_time(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += " | " + self.formatException(record.exc_info)
        elif record.exc_text:
            line += " | " + record.exc_text
        return line.replace("\r", "\\r").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, exc_info."""

    def format(self, record: logging.LogRecord) -> str:
        exc = self.formatException(record.exc_info) if record.exc_info else record.exc_text
        return json.dumps({
            "time": _time(record), "level": record.levelname, "logger": record.name,
            "message": record.getMessage(), "exc_info": exc or None,
        }, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the event (like logging's
    last-resort handler), so a replaced stderr (a test runner's) is never kept stale."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        """The stream is always the current stderr; a value set by the base class is
        ignored."""


def configure_logging(fmt: LogFormat = "text", *, level: int | str | None = None,
                      default_level: int = logging.WARNING, stream: IO[str] | None = None,
                      force: bool = True) -> None:
    """(Re)configure the root logger: one handler on ``stream`` (stderr) in ``fmt``.

    ``level`` wins over ``$NIEUWSRADAR_LOG_LEVEL``, which wins over ``default_level``.
    Calling it again replaces the earlier set-up (the CLI sets up text logging, then
    ``serve`` sets its own format), so there is never more than one handler. With
    ``force=False`` a root logger that already has handlers (a program embedding
    nieuwsradar, a test runner) is left alone.
    """
    if not force and logging.getLogger().handlers:
        return
    if fmt not in LOG_FORMATS:
        raise ValueError(f"unknown log format {fmt!r}; use one of {', '.join(LOG_FORMATS)}")
    chosen = level if level is not None else os.environ.get(LEVEL_ENV) or default_level
    numeric = chosen if isinstance(chosen, int) else logging.getLevelName(chosen.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {chosen!r}; use DEBUG, INFO, WARNING or ERROR")
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in _UVICORN:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    chatty = logging.DEBUG if numeric <= logging.DEBUG else max(numeric, logging.WARNING)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(chatty)
    logging.captureWarnings(True)
