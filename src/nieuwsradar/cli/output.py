"""What the CLI puts in a file: written whole, or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click


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
