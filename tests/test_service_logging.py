"""Logging set-up: one line per event, JSON for machines, uvicorn through the same handler."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from nieuwsradar.logsetup import configure_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def fail() -> None:
    raise ValueError("bron antwoordt niet\nmet een tweede regel")


def test_json_lines_carry_time_level_logger_message_and_traceback() -> None:
    out = io.StringIO()
    configure_logging("json", level="INFO", stream=out)
    logging.getLogger("nieuwsradar.test").info("poll: %d sources", 3)
    try:
        fail()
    except ValueError:
        logging.getLogger("nieuwsradar.update").exception("source %s failed", "X")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "poll: 3 sources" and first["level"] == "INFO"
    assert first["logger"] == "nieuwsradar.test" and first["exc_info"] is None
    assert first["time"].endswith("Z") and first["time"][:2] == "20"
    assert second["level"] == "ERROR" and second["message"] == "source X failed"
    assert "Traceback" in second["exc_info"] and "ValueError: bron antwoordt niet" in (
        second["exc_info"])


def test_text_keeps_every_event_on_one_line() -> None:
    out = io.StringIO()
    configure_logging("text", level="INFO", stream=out)
    try:
        fail()
    except ValueError:
        logging.getLogger("nieuwsradar.update").exception("titel met\nnep-regel")
    (line,) = out.getvalue().splitlines()
    assert " ERROR nieuwsradar.update: titel met\\nnep-regel | Traceback" in line
    assert "ValueError: bron antwoordt niet\\nmet een tweede regel" in line


def test_uvicorn_and_scheduler_logs_use_the_same_handler(
        monkeypatch: pytest.MonkeyPatch) -> None:
    uvicorn_error = logging.getLogger("uvicorn.error")
    uvicorn_error.addHandler(logging.StreamHandler(io.StringIO()))  # as uvicorn would
    uvicorn_error.propagate = False
    monkeypatch.setenv("NIEUWSRADAR_LOG_LEVEL", "INFO")
    out = io.StringIO()
    configure_logging("json", stream=out)
    uvicorn_error.info("Started server process [1]")
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1", "GET",
                                             "/health", "1.1", 200)
    logging.getLogger("apscheduler.executors.default").info("Job executed successfully")
    logged = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["logger"] for e in logged] == ["uvicorn.error", "uvicorn.access"]
    assert logged[1]["message"] == '127.0.0.1 - "GET /health HTTP/1.1" 200'


def test_configuring_again_replaces_the_handler_and_checks_its_input() -> None:
    configure_logging("text", level="WARNING", stream=io.StringIO())
    out = io.StringIO()
    configure_logging("json", level="DEBUG", stream=out)
    assert len(logging.getLogger().handlers) == 1
    logging.getLogger("httpx").debug("HTTP Request: GET /feed.xml")
    assert "HTTP Request" in out.getvalue()
    with pytest.raises(ValueError, match="log level"):
        configure_logging("text", level="LUID")
    with pytest.raises(ValueError, match="log format"):
        configure_logging("xml")  # type: ignore[arg-type]


def test_default_handler_follows_the_current_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    configure_logging("text", level="INFO")
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", first)
    logging.getLogger("nieuwsradar").info("een")
    monkeypatch.setattr("sys.stderr", second)
    logging.getLogger("nieuwsradar").info("twee")
    assert first.getvalue().endswith("nieuwsradar: een\n")
    assert second.getvalue().endswith("nieuwsradar: twee\n")


def test_an_existing_set_up_is_kept_unless_forced() -> None:
    out = io.StringIO()
    configure_logging("json", level="INFO", stream=out)
    configure_logging("text", level="ERROR", force=False)
    logging.getLogger("nieuwsradar").info("nog steeds json")
    assert json.loads(out.getvalue())["message"] == "nog steeds json"
