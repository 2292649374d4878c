"""Conditional HTTP GET with limits: the one place where nieuwsradar talks to web servers.

A :class:`Fetcher` owns a few pooled ``httpx.AsyncClient`` s (HTTP/1.1, keep-alive, one
shared TLS context; see ``_POOL_SIZE`` for why more than one) and turns a URL into a
:class:`~nieuwsradar.types.FetchResult` (2xx or 304) or raises
:class:`~nieuwsradar.errors.FetchError`, never anything else. It is bounded in every way a
hostile or broken server can hurt an ingest run:

* conditional GET (If-None-Match / If-Modified-Since), so an unchanged feed costs a 304;
* redirects are followed by hand, at most ``max_redirects``, loops are refused; the final
  URL is in ``FetchResult.url`` (the caller compares it with the URL it asked for);
* the body is decompressed here (gzip / zlib) with a running count of *decompressed* bytes
  and a per-step output cap, so a gzip bomb costs at most ``max_bytes`` of memory;
* connect and read timeouts, plus an overall deadline per fetch, because a server that
  drips one byte every 0.25 s never trips a read timeout;
* a global limit (``max_connections``) and a per-host limit (``per_host``) on concurrent
  exchanges. The per-host limit is keyed by host name (ports ignored): a benchmark farm
  that serves every feed from 127.0.0.1 must raise ``per_host`` (e.g. to
  ``max_connections``) or it measures the politeness limit instead of the fetcher.

The overall deadline starts once the first exchange has its connection slots, so time
spent queueing behind the concurrency limits does not count against it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import ssl
import sys
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib import metadata
from types import TracebackType

import httpx

from nieuwsradar.errors import FetchError
from nieuwsradar.types import FetchResult

__all__ = ["ACCEPT", "FetchLimits", "Fetcher"]

# httpcore runs ``import sniffio`` (an optional package) for every lock and every
# request it makes; when sniffio is not installed each of those imports searches the
# whole sys.path again (a few stat calls each, ~0.1 CPU s per 500 fetches, about five per
# fetch). Recording the absence once makes them fail at once, with the same
# ModuleNotFoundError httpcore and anyio already handle.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]


def _package_version() -> str:
    """The installed nieuwsradar version, for the User-Agent ("dev" from a bare checkout)."""
    try:
        return metadata.version("nieuwsradar")
    except metadata.PackageNotFoundError:
        return "dev"


ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.8, */*;q=0.5"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MIB = 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
# httpcore's pool does O(connections²) work per request (measured: 500 fetches over one
# 64-connection pool took 5.8 s, mostly in _assign_requests_to_connections; over 16 pools
# of 4 about 1 s), so the fetcher spreads its connections over small pools of this size.
_POOL_SIZE = 4
_DRAIN_LIMIT = 64 * 1024
# wbits 32 + 15: zlib accepts both a gzip and a zlib header (RFC 1952 / RFC 1950).
_AUTO_HEADER_WBITS = 47


@dataclass(frozen=True)
class FetchLimits:
    """Bounds for one fetch. The defaults suit feeds and news pages."""

    max_bytes: int = 15 * _MIB
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    deadline_s: float = 60.0
    max_redirects: int = 5
    user_agent: str = (
        f"nieuwsradar/{_package_version()} "
        "(+https://github.com/nieuwsradar; nieuws voor handhaving)"
    )

    def __post_init__(self) -> None:
        for name in ("max_bytes", "connect_timeout_s", "read_timeout_s", "deadline_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"FetchLimits.{name} must be positive, got {getattr(self, name)}")
        if self.max_redirects < 0:
            raise ValueError(f"FetchLimits.max_redirects must be >= 0, got {self.max_redirects}")


class Fetcher:
    """Fetches URLs concurrently within global and per-host limits.

    Use it as an async context manager so the connection pool is opened and closed once per
    run::

        async with Fetcher() as fetcher:
            result = await fetcher.fetch(url, etag=state.etag)
    """

    def __init__(
        self, limits: FetchLimits = FetchLimits(), *, max_connections: int = 64,
        per_host: int = 8,
    ) -> None:
        if max_connections < 1 or per_host < 1:
            raise ValueError(
                f"max_connections and per_host must be >= 1, got {max_connections}, {per_host}"
            )
        self._limits = limits
        self._max_connections = max_connections
        self._per_host = per_host
        self._global = asyncio.Semaphore(max_connections)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._clients: list[httpx.AsyncClient] = []
        self._busy: list[int] = []
        self._per_pool = 0

    async def __aenter__(self) -> Fetcher:
        limits = self._limits
        shards = -(-self._max_connections // _POOL_SIZE)
        per_pool = self._per_pool = -(-self._max_connections // shards)
        self._busy = [0] * shards
        tls = httpx.create_ssl_context()  # built once: each one loads the CA store (~30 ms)
        self._clients = [
            httpx.AsyncClient(
                http1=True,
                http2=False,
                follow_redirects=False,
                verify=tls,
                timeout=httpx.Timeout(
                    connect=limits.connect_timeout_s, read=limits.read_timeout_s,
                    write=limits.read_timeout_s, pool=limits.deadline_s,
                ),
                limits=httpx.Limits(max_connections=per_pool, max_keepalive_connections=per_pool),
                headers={
                    "User-Agent": limits.user_agent,
                    "Accept": ACCEPT,
                    "Accept-Encoding": "gzip",
                },
            )
            for _ in range(shards)
        ]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        clients, self._clients = self._clients, []
        for client in clients:
            await client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None,
    ) -> FetchResult:
        """GET ``url``, conditionally when ``etag`` / ``last_modified`` are given.

        Returns a FetchResult for 2xx (body decoded) and 304 (body None, validators kept).
        Raises FetchError for everything else: HTTP errors (404/410 permanent, 429/503 with
        ``retry_after_s``), redirect loops, oversized bodies, timeouts and network errors.
        """
        if not self._clients:
            raise RuntimeError("Fetcher is not open: use 'async with Fetcher() as fetcher'")
        target = _parse_url(url, url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline_s = self._limits.deadline_s
        try:
            async with asyncio.timeout(None) as budget:
                return await self._follow(url, target, headers, budget)
        except TimeoutError:
            raise FetchError(
                url, f"no complete answer within the {deadline_s:g} s deadline; the server is "
                "too slow (or drips its answer). Try again later or raise deadline_s",
            ) from None
        except (httpx.HTTPError, OSError) as exc:
            raise FetchError(url, self._describe(exc)) from None

    async def _follow(
        self, url: str, target: httpx.URL, headers: dict[str, str], budget: asyncio.Timeout,
    ) -> FetchResult:
        """Do the exchange, following up to max_redirects redirects by hand."""
        current = target
        seen = [str(target)]
        started = 0.0
        for _ in range(self._limits.max_redirects + 1):
            async with self._slot(current.host) as client:
                if budget.when() is None:
                    started = time.perf_counter()
                    budget.reschedule(asyncio.get_running_loop().time() + self._limits.deadline_s)
                request = client.build_request("GET", current, headers=headers)
                response = await client.send(request, stream=True)
                try:
                    if response.status_code not in _REDIRECTS:
                        return await self._result(url, current, response, headers, started)
                    current = _redirect_target(url, current, response, seen)
                    await _drain(response)
                finally:
                    await response.aclose()
        raise FetchError(
            url, f"more than {self._limits.max_redirects} redirects ({' → '.join(seen)}); "
            "use the final URL in the source configuration",
        )

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[httpx.AsyncClient]:
        """Hold a per-host slot, then a global one, and lend a pool with a free connection.

        Per-host first, so requests queued behind one busy host never occupy global slots
        that other hosts could use. A host goes to its "home" pool (its keep-alive
        connections live there) unless that pool is full; then to the least busy pool. The
        global limit never exceeds the pools' total size, so no request queues in a pool.
        """
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self._per_host)
        async with sem, self._global:
            busy = self._busy
            pool = zlib.crc32(host.encode()) % len(busy)
            if busy[pool] >= self._per_pool:
                pool = min(range(len(busy)), key=busy.__getitem__)
            busy[pool] += 1
            try:
                yield self._clients[pool]
            finally:
                busy[pool] -= 1

    async def _result(
        self, url: str, final: httpx.URL, response: httpx.Response, sent: dict[str, str],
        started: float,
    ) -> FetchResult:
        """Turn a non-redirect response into a FetchResult or a FetchError."""
        status = response.status_code
        rh = response.headers
        if status == 304:
            await _drain(response)
            return FetchResult(
                url=str(final), status=304, body=None, headers=rh,
                etag=rh.get("etag") or sent.get("If-None-Match"),
                last_modified=rh.get("last-modified") or sent.get("If-Modified-Since"),
                max_age_s=_max_age(rh.get("cache-control")),
                elapsed_s=time.perf_counter() - started,
            )
        if not 200 <= status < 300:
            await _drain(response)
            raise _status_error(url, response)
        body = await _read_body(url, response, self._limits.max_bytes)
        return FetchResult(
            url=str(final), status=status, body=body, headers=rh, etag=rh.get("etag"),
            last_modified=rh.get("last-modified"), max_age_s=_max_age(rh.get("cache-control")),
            elapsed_s=time.perf_counter() - started,
        )

    def _describe(self, exc: httpx.HTTPError | OSError) -> str:
        """A short human message for a network-level failure (no traceback text)."""
        limits = self._limits
        if isinstance(exc, httpx.ConnectTimeout):
            return f"could not connect within {limits.connect_timeout_s:g} s (connect timeout)"
        if isinstance(exc, httpx.ReadTimeout):
            return f"the server sent nothing for {limits.read_timeout_s:g} s (read timeout)"
        if isinstance(exc, httpx.TimeoutException):
            return f"the exchange timed out ({type(exc).__name__})"
        causes = list(_causes(exc))
        low = " | ".join(_first_line(c) for c in causes).lower()
        if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in low:
            return "connection refused: nothing listens there; is the site down or the port wrong?"
        if any(isinstance(c, socket.gaierror) for c in causes) or "name resolution" in low:
            return "the host name could not be resolved (DNS); check the URL"
        if any(isinstance(c, ssl.SSLError) for c in causes):
            return f"TLS handshake failed ({_first_line(causes[-1])}); the site's certificate " \
                "may be invalid or expired"
        if isinstance(exc, httpx.RemoteProtocolError):
            return f"the server broke the HTTP protocol ({_first_line(exc)})"
        if isinstance(exc, httpx.ConnectError):
            return f"could not connect ({_first_line(causes[-1])})"
        return f"network error ({_first_line(causes[-1])})"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes / contexts and the members of exception groups, in order
    (httpx wraps the OSError that says what happened)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        link = current.__cause__ or current.__context__
        if link is not None:
            todo.append(link)


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's text, shortened; its type name if it has none."""
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 160 else line[:157] + "..."


def _parse_url(url: str, origin: str) -> httpx.URL:
    """Parse and check an http(s) URL; ``origin`` is the URL the caller asked for."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(origin, f"not a valid URL ({_first_line(exc)})") from None
    if parsed.scheme not in ("http", "https"):
        scheme = f"{parsed.scheme}://" if parsed.scheme else "a URL without scheme"
        raise FetchError(
            origin, f"{scheme} is not supported: only http:// and https:// URLs are fetched",
        )
    if not parsed.host:
        raise FetchError(origin, "the URL has no host name; write it as https://host/path")
    port = parsed.port
    if port is not None and not 0 < port < 65536:
        # Otherwise the connect fails deep in the socket layer as an ExceptionGroup.
        raise FetchError(origin, f"port {port} is impossible (ports go from 1 to 65535); "
                         "fix the URL")
    return parsed


def _redirect_target(
    url: str, current: httpx.URL, response: httpx.Response, seen: list[str],
) -> httpx.URL:
    """The next URL of a redirect chain; refuses loops, missing and non-http Locations."""
    location = response.headers.get("location")
    if not location:
        raise FetchError(
            url, f"HTTP {response.status_code} redirect without a Location header",
            status=response.status_code,
        )
    try:
        joined = str(current.join(location))
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchError(url, f"redirect to an invalid URL {location!r} ({exc})") from None
    nxt = _parse_url(joined, url)
    if str(nxt) in seen:
        chain = " → ".join([*seen, str(nxt)])
        raise FetchError(url, f"redirect loop ({chain}); fix the URL or ask the site owner")
    seen.append(str(nxt))
    return nxt


def _status_error(url: str, response: httpx.Response) -> FetchError:
    """A FetchError for a 4xx/5xx (or unexpected) status, with retry advice."""
    status = response.status_code
    reason = response.reason_phrase or "error"
    if status == 404:
        return FetchError(url, "not found (HTTP 404); check the URL or remove the source",
                          status=status, permanent=True)
    if status == 410:
        return FetchError(url, "gone (HTTP 410): removed for good; remove the source",
                          status=status, permanent=True)
    if status in (429, 503):
        retry = _retry_after(response.headers.get("retry-after"))
        advice = f"retry after {retry:g} s" if retry is not None else "retry later"
        return FetchError(url, f"HTTP {status} {reason}; the server asks to {advice}",
                          status=status, retry_after_s=retry)
    return FetchError(url, f"HTTP {status} {reason}", status=status)


async def _read_body(url: str, response: httpx.Response, max_bytes: int) -> bytes:
    """Stream and decode the body, refusing more than ``max_bytes`` decompressed bytes."""
    too_large = f"body larger than {max_bytes / _MIB:g} MiB; refused"
    length = response.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > max_bytes:
        raise FetchError(url, f"{too_large} (Content-Length {int(length) / _MIB:.1f} MiB)")
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise FetchError(url, f"unsupported Content-Encoding {encoding!r} (asked for gzip)")
    decoder = zlib.decompressobj(_AUTO_HEADER_WBITS) if encoding not in ("", "identity") else None
    chunks: list[bytes] = []
    total = 0
    try:
        async for raw in response.aiter_raw():
            if decoder is None:
                total += len(raw)
                if total > max_bytes:
                    raise FetchError(url, too_large)
                chunks.append(raw)
                continue
            data = raw
            while data:
                # Cap each step's output: a bomb never inflates past the limit in memory.
                out = decoder.decompress(data, max_bytes - total + 1)
                total += len(out)
                if total > max_bytes:
                    raise FetchError(url, too_large)
                chunks.append(out)
                data = decoder.unconsumed_tail
                if decoder.eof:
                    rest = decoder.unused_data
                    # A second gzip member continues the body (RFC 1952); other trailing
                    # bytes after the end of the stream are ignored.
                    data = rest if rest.startswith(_GZIP_MAGIC) else b""
                    if data:
                        decoder = zlib.decompressobj(_AUTO_HEADER_WBITS)
    except zlib.error as exc:
        raise FetchError(url, f"could not decompress the {encoding} body ({exc})") from None
    return b"".join(chunks)


async def _drain(response: httpx.Response) -> None:
    """Read the (small) rest of a body nobody needs, so the connection goes back to the
    pool; past _DRAIN_LIMIT bytes give up (closing the response then drops the connection).
    Without this every 304 would cost a new connection."""
    seen = 0
    async for chunk in response.aiter_raw():
        seen += len(chunk)
        if seen > _DRAIN_LIMIT:
            break


def _max_age(cache_control: str | None) -> int | None:
    """Seconds of freshness from Cache-Control max-age (else s-maxage); None for no-store,
    no-cache or when absent."""
    if not cache_control:
        return None
    directives: dict[str, str] = {}
    for part in cache_control.split(","):
        name, _, value = part.partition("=")
        directives[name.strip().lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return None
    for key in ("max-age", "s-maxage"):
        value = directives.get(key, "")
        if value.isdigit():
            return int(value)
    return None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
