"""Run the real ``nieuwsradar`` command in a separate process, as a user would.

``read_only_user=True`` runs it without the capabilities that let root ignore file
permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER), so a ``chmod 444`` file
or a ``chmod 555`` directory is really read-only for it even when the tests run as root.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

NIEUWSRADAR = Path(sys.executable).with_name("nieuwsradar")
_PR_CAPBSET_DROP = 24
_DAC_CAPS = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def _drop_dac_capabilities() -> None:
    """In the child before exec: drop the capabilities from the bounding set, so the
    program it executes does not get them."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _DAC_CAPS:
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def read_only_preexec() -> Callable[[], None] | None:
    """The preexec function that makes permissions count, or None when not root.

    Skips the test when running as root without the right to drop capabilities.
    """
    if os.geteuid() != 0:
        return None
    probe = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_drop_dac_capabilities,
                           capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE: file permissions "
                    "would not be enforced, so read-only behaviour cannot be tested")
    return _drop_dac_capabilities


def nieuwsradar(*args: str | Path, db: Path, env: Mapping[str, str] | None = None,
                read_only_user: bool = False, timeout: float = 120,
                cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``nieuwsradar --db DB ARGS...`` and return the finished process (text output).

    The environment points the model at a missing file (no classification, fast start)
    unless ``env`` says otherwise.
    """
    full_env = {**os.environ, "NIEUWSRADAR_MODEL": str(db.parent / "geen-model.skops"),
                **(env or {})}
    full_env.pop("NIEUWSRADAR_DB", None)
    return subprocess.run(
        [str(NIEUWSRADAR), "--db", str(db), *map(str, args)], capture_output=True, text=True,
        env=full_env, timeout=timeout, check=False, cwd=cwd or db.parent,
        preexec_fn=read_only_preexec() if read_only_user else None)
