"""Leases on sources, so concurrent updates never fetch one source at the same time.

The service polls on a schedule while a coordinator may run ``nieuwsradar update`` from
the command line (or two such commands overlap). Each run claims the sources it will
fetch in one short write transaction: a source leased by another run is left out, and a
lease ends when the source's outcome is written or, at the latest, when the run ends. A
run that was killed leaves its leases behind: a run on the same host releases them as
soon as it sees that their process is gone, and anywhere they expire after
:data:`LEASE`.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from nieuwsradar.storage import Storage
from nieuwsradar.types import SourceState

#: Longer than any run holds a source (fetch timeouts bound it to minutes).
LEASE = timedelta(minutes=15)


def new_owner() -> str:
    """A name for this run's leases: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def is_dead_here(owner: str) -> bool:
    """Whether ``owner`` names a run on this host whose process no longer exists."""
    host, pid, _ = [*owner.rsplit(":", 2), "", ""][:3]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OverflowError, PermissionError):  # not a pid, or another user's: maybe alive
        return False
    return False


@contextmanager
def leased_sources(storage: Storage, *, now: datetime,
                   all_sources: bool = False) -> Iterator[list[SourceState]]:
    """Claim the due sources (every source with ``all_sources``) that no other run holds;
    release whatever is still leased when the block ends."""
    for stale in filter(is_dead_here, storage.lease_owners()):
        storage.release_sources(stale)
    owner = new_owner()
    states = storage.claim_sources(owner, now=now, until=now + LEASE, due_only=not all_sources)
    try:
        yield states
    finally:
        storage.release_sources(owner)
