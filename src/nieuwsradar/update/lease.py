"""Leases on sources, so concurrent updates never fetch one source at the same time.

The service polls on a schedule while a coordinator may run ``nieuwsradar update`` from
the command line (or two such commands overlap). Each run claims the sources it will
fetch in one short write transaction: a source leased by another run is left out, and a
lease ends when the source's outcome is written or, at the latest, when the run ends.

A lease lasts ``lease`` (``settings.lease_s``, default :data:`LEASE`) and the run renews
the leases it still holds every :data:`RENEWALS_PER_LEASE`-th of that, from a thread with
its own database connection, for as long as the run lives: a run that takes longer than
one lease (a slow source, a huge first import) keeps its sources. A run that was killed
renews nothing: a run on the same host releases its leases as soon as it sees that their
process is gone, and anywhere they expire one lease length after the last renewal.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nieuwsradar.errors import StorageError
from nieuwsradar.storage import Storage, open_storage
from nieuwsradar.types import SourceState

log = logging.getLogger(__name__)

#: The default lease length: far longer than a renewal takes, even on a busy database.
LEASE = timedelta(minutes=15)
#: Leases are renewed this many times per lease length, so one missed renewal (the
#: database busy for a while) does not let them expire.
RENEWALS_PER_LEASE = 3


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
def leased_sources(storage: Storage, *, now: datetime, all_sources: bool = False,
                   lease: timedelta = LEASE) -> Iterator[list[SourceState]]:
    """Claim for ``lease`` the due sources (every source with ``all_sources``) that no
    other run holds; keep the leases alive while the block runs; release whatever is
    still leased when the block ends."""
    for stale in filter(is_dead_here, storage.lease_owners()):
        storage.release_sources(stale)
    owner = new_owner()
    states = storage.claim_sources(owner, now=now, until=now + lease, due_only=not all_sources)
    stop = threading.Event()
    renewer = threading.Thread(target=_keep_alive, args=(storage.path, owner, lease, stop),
                               name="lease-renewal", daemon=True)
    if states:
        renewer.start()
    try:
        yield states
    finally:
        stop.set()
        if renewer.is_alive():
            renewer.join()
        storage.release_sources(owner)


def _keep_alive(path: Path, owner: str, lease: timedelta, stop: threading.Event) -> None:
    """Extend ``owner``'s leases to a full ``lease`` from now, every
    ``lease / RENEWALS_PER_LEASE``, until ``stop`` is set or no lease is left.

    Runs in its own thread, so it opens its own connection (connections are per thread).
    A renewal that fails (the database busy too long) is logged and tried again at the
    next turn; the run itself goes on either way.
    """
    storage: Storage | None = None
    try:
        while not stop.wait(lease.total_seconds() / RENEWALS_PER_LEASE):
            try:
                storage = storage or open_storage(path)
                if storage.renew_leases(owner, until=datetime.now(UTC) + lease) == 0:
                    return  # every source is written (or was taken over): nothing to keep
            except StorageError as exc:
                log.warning("cannot renew the leases of update run %s: %s; trying again "
                            "in %.0f s", owner, exc, lease.total_seconds() / RENEWALS_PER_LEASE)
    finally:
        if storage is not None:
            storage.close()
