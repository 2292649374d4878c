"""A small programmable HTTP/1.1 server on 127.0.0.1 for tests and benchmarks.

Tests talk to a real server over a real socket instead of mocking httpx. Each path has a
:class:`Route` that a test sets (status, headers, body, delay, one-byte drip, chunked
transfer, a lying Content-Length, ETag / Last-Modified validators) or computes per request
with a ``handler``. The server records every request and counts how many were in flight at
once, so a test can check both what a client sent and how hard it pushed::

    with LocalHTTPServer() as srv:
        srv.route("/feed.xml", Route(body=b"<rss/>", etag='"v1"'))
        srv.redirect("/old", "/feed.xml", status=301)
        ... fetch srv.url("/old") ...
        assert srv.max_in_flight == 1

Unknown paths answer 404. ``latency_s`` delays every answer (a farm of slow feeds).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

__all__ = ["LocalHTTPServer", "RecordedRequest", "Route"]

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; header names are lower case."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Route:
    """What the server answers on one path.

    ``delay_s`` waits before answering; ``drip_s`` sends the body one byte at a time with
    that pause between bytes (after a Content-Length header); ``chunked`` uses
    Transfer-Encoding: chunked instead of a Content-Length; ``content_length`` overrides
    the Content-Length header (to lie about the size). With ``etag`` / ``last_modified``
    set, a request whose If-None-Match / If-Modified-Since matches gets 304 with no body.
    ``handler`` computes the Route for each request instead (it gets the RecordedRequest).
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drip_s: float | None = None
    chunked: bool = False
    content_length: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    handler: Callable[[RecordedRequest], Route] | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    app: LocalHTTPServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet when a client drops the connection (tests abort downloads on
        purpose); anything else is still reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30  # an idle keep-alive connection's thread ends after this
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms stalls

    def do_GET(self) -> None:
        self.server.app._serve(self)

    def do_HEAD(self) -> None:
        self.server.app._serve(self)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


class LocalHTTPServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with an ephemeral port (a context manager)."""

    def __init__(self, *, latency_s: float = 0.0) -> None:
        self.latency_s = latency_s
        self.requests: list[RecordedRequest] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.app = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), daemon=True,
        )

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    def start(self) -> LocalHTTPServer:
        """Start serving in a background thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and wake every delaying or dripping handler."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def route(self, path: str, route: Route) -> None:
        """Answer requests for ``path`` (the part before any ``?``) with ``route``."""
        with self._lock:
            self._routes[path] = route

    def redirect(self, path: str, to: str, *, status: int = 301) -> None:
        """Answer ``path`` with a redirect to ``to`` (a path or an absolute URL)."""
        self.route(path, Route(status=status, headers={"Location": to}))

    def requests_for(self, path: str) -> list[RecordedRequest]:
        """The recorded requests for ``path``, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _serve(self, h: _Handler) -> None:
        request = RecordedRequest(
            h.command, h.path.split("?", 1)[0], {k.lower(): v for k, v in h.headers.items()},
        )
        with self._lock:
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            route = self._routes.get(request.path, Route(status=404, body=b"not found"))
        try:
            if route.handler is not None:
                route = route.handler(request)
            self._answer(h, request, route)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, h: _Handler, request: RecordedRequest, route: Route) -> None:
        wait = self.latency_s + route.delay_s
        if wait and self._stopping.wait(wait):
            h.close_connection = True
            return
        status, body = route.status, route.body
        if (route.etag is not None and request.headers.get("if-none-match") == route.etag) or (
            route.last_modified is not None
            and request.headers.get("if-modified-since") == route.last_modified
        ):
            status, body = 304, b""
        h.send_response(status)
        for name, value in route.headers.items():
            h.send_header(name, value)
        if route.etag is not None:
            h.send_header("ETag", route.etag)
        if route.last_modified is not None:
            h.send_header("Last-Modified", route.last_modified)
        if route.chunked and route.drip_s is None and status != 304:
            h.send_header("Transfer-Encoding", "chunked")
        elif status != 304:
            size = route.content_length if route.content_length is not None else len(body)
            h.send_header("Content-Length", str(size))
        h.end_headers()
        if request.method == "HEAD" or status == 304:
            return
        if route.drip_s is not None:
            self._drip(h, body, route.drip_s)
        elif route.chunked:
            for start in range(0, len(body), _CHUNK):
                piece = body[start:start + _CHUNK]
                h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            h.wfile.write(b"0\r\n\r\n")
        else:
            h.wfile.write(body)
        if route.content_length is not None and route.content_length != len(body):
            h.close_connection = True

    def _drip(self, h: _Handler, body: bytes, pause_s: float) -> None:
        h.wfile.flush()
        for i in range(len(body)):
            if self._stopping.wait(pause_s):
                break
            h.wfile.write(body[i:i + 1])
            h.wfile.flush()
        h.close_connection = True
