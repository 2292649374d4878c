"""``nieuwsradar serve``: the web app and the scheduler in one process, stopped cleanly.

One :class:`~nieuwsradar.core.Radar` facade (settings, model) is shared by uvicorn's
request threads and the scheduler's poll thread; each thread gets its own SQLite
connection from it. Stopping (SIGTERM from systemd, SIGINT from Ctrl-C):

1. uvicorn stops accepting connections and lets requests in progress finish (at most
   ``grace_s``);
2. the scheduler stops starting jobs; a poll in flight gets ``grace_s`` to finish;
3. the facade closes its connections and the process exits 0.

A poll still running after that (or at a second signal) is abandoned: the process ends
at once with ``os._exit``. Nothing is half-written: the writer stores each source in a
transaction of its own, so every source is either stored whole or untouched and is
fetched again at the next start; the worker processes die with the process.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from types import FrameType

import uvicorn

from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, make_radar
from nieuwsradar.errors import InputError
from nieuwsradar.scheduler import Schedule, build_schedule
from nieuwsradar.web.app import create_app

log = logging.getLogger(__name__)

#: Default seconds that requests and a poll in flight get to finish when stopping.
STOP_GRACE_S = 10.0
#: Pending connections the listening socket holds (uvicorn's default).
BACKLOG = 2048


class _Stop:
    """Counts SIGTERM/SIGINT received once uvicorn has stopped listening for them."""

    def __init__(self) -> None:
        self.signals = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1  # no logging here: the handler may interrupt a log call


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one).

    Bound here rather than by uvicorn so a taken port is a clear error and the actual
    port is known before serving starts.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)  # connections wait in the backlog until uvicorn accepts them
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another "
                         "port (or address)") from None
    return sock


def url_of(sock: socket.socket) -> str:
    """The http URL a bound socket answers on."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000,
          scheduler: bool = True, sync_feeds: bool = True, grace_s: float = STOP_GRACE_S,
          radar: Radar | None = None, on_ready: Callable[[str], None] | None = None) -> int:
    """Serve the web app (and run the scheduler) until SIGTERM or SIGINT.

    ``sync_feeds=False`` polls only the stored sources (the demo). ``radar`` shares an
    open facade (closed here when done); ``on_ready`` gets the URL once the socket is
    bound. Returns the exit status after a stop (1 when the app failed to start); ends
    the process itself, with that status, when a poll in flight had to be abandoned.
    """
    radar = radar or make_radar(settings)
    try:
        sock = bind(host, port)
    except InputError:
        radar.close()
        raise
    _quiet_resource_tracker()
    schedule = build_schedule(radar, settings, sync_feeds=sync_feeds) if scheduler else None
    stop = _Stop()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    server = uvicorn.Server(uvicorn.Config(
        create_app(settings, radar), log_config=None, access_log=True, proxy_headers=True,
        timeout_graceful_shutdown=max(1, round(grace_s)), server_header=False))
    status = 1
    try:
        url = url_of(sock)
        if schedule is not None:
            schedule.start()
        log.info("serving on %s (scheduler %s)", url, "on" if schedule else "off")
        if on_ready is not None:
            on_ready(url)
        server.run(sockets=[sock])
        status = 0 if server.started else 1
    finally:
        log.info("stopping")
        sock.close()
        idle = schedule is None or _stop_schedule(schedule, stop, grace_s)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if not idle:
            log.warning("abandoning the poll in flight: sources not yet written are "
                        "fetched again at the next start")
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    radar.close()
    log.info("stopped")
    return status


def _quiet_resource_tracker() -> None:
    """Keep stderr one log event per line when a poll is abandoned.

    The abandoned run's worker pool leaves its semaphores to multiprocessing's resource
    tracker (a child process), which removes them and warns about it on stderr, outside
    logging. That removal is expected here, so child processes started from now on ignore
    this one warning (``PYTHONWARNINGS`` is inherited by them).
    """
    rule = "ignore:resource_tracker:UserWarning"
    current = os.environ.get("PYTHONWARNINGS", "")
    if rule not in current:
        os.environ["PYTHONWARNINGS"] = f"{current},{rule}" if current else rule


def _stop_schedule(schedule: Schedule, stop: _Stop, grace_s: float) -> bool:
    """Stop the scheduler and wait for a poll in flight; False when it must be abandoned
    (the grace period ran out, or another signal came while waiting)."""
    seen = stop.signals
    if schedule.stop(grace_s=0):
        return True
    log.info("waiting up to %.0f s for the poll in flight", grace_s)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and stop.signals <= seen:
        if schedule.poll.wait_idle(0.1):
            return True
    return False
