"""What the CLI puts on a terminal or in a file: safe text, safe JSON, atomic files.

Titles, names, URLs and error texts come from feeds nobody controls. A title holding
``ESC[2J`` would clear the user's screen, an OSC sequence retitle the window, U+202E
turn the rest of the line around. Every command that prints stored text passes it
through :func:`clean` (plain text) or :func:`safe_json` (JSON), so even an old database
with such rows prints safely.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import click

# Whole terminal escape sequences (CSI, OSC / DCS / APC / PM / SOS strings, two-byte ESC
# sequences), so their parameters do not stay behind as noise.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"          # CSI: ESC [ params final
    r"|\x9b[0-?]*[ -/]*[@-~]"           # CSI, 8-bit form
    r"|[\x1b][\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # same, 8-bit
    r"|\x1b[ -/]*[0-~]?"                # other ESC sequences (and a lone ESC)
)
_LINE_BREAKS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]+")
# Control characters (C0, DEL, C1), bidi embeddings, overrides, isolates and marks,
# and lone surrogates (they cannot be written to a UTF-8 terminal).
_UNSAFE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_CHARS = re.compile(f"[{_UNSAFE}]")
# In JSON text: what json.dumps(ensure_ascii=False) leaves raw (it escapes C0 itself).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean(text: object) -> str:
    """``text`` as one safe line: escape sequences and control, bidi-control and
    surrogate characters removed, tabs and line breaks turned into single spaces."""
    value = str(text)
    if value.isprintable():
        return value  # the common case: nothing to do (bidi controls are not printable)
    value = _ESCAPES.sub("", value)
    value = _LINE_BREAKS.sub(" ", value)
    return _UNSAFE_CHARS.sub("", value)


def safe_json(data: Any) -> str:
    """``data`` as indented JSON (non-ASCII kept readable) in which every character a
    terminal could act on is a ``\\uXXXX`` escape: still valid JSON, and lossless."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory that is
    renamed over it, so a failure never leaves a truncated or half-written file.

    Raises click.ClickException (one line, naming the file) when it cannot be written.
    """
    target = path.expanduser()
    folder = target.parent
    try:
        mode = target.stat().st_mode & 0o777 if target.exists() else None
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise click.ClickException(
            f"kan {target} niet schrijven: {exc.strerror or exc}; controleer de map "
            f"{folder} (bestaat ze, mag je erin schrijven?)") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise click.ClickException(
            f"kan {target} niet schrijven: {exc.strerror or exc}; het bestaande bestand is "
            "niet gewijzigd") from None
