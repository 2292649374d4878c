"""The fetcher against a real HTTP server on 127.0.0.1 (tests/support/httpd.py)."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import tracemalloc
from collections.abc import Iterator
from email.utils import formatdate

import pytest

from nieuwsradar.errors import FetchError
from nieuwsradar.fetch import Fetcher, FetchLimits
from nieuwsradar.types import FetchResult
from support.httpd import LocalHTTPServer, RecordedRequest, Route

MIB = 1024 * 1024
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.fixture
def srv() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        yield server


def fetch(url: str, limits: FetchLimits | None = None, **kwargs: str | None) -> FetchResult:
    """Fetch one URL with a fresh Fetcher (sync wrapper for the tests)."""

    async def run() -> FetchResult:
        async with Fetcher(limits or FetchLimits()) as fetcher:
            return await fetcher.fetch(url, **kwargs)

    return asyncio.run(run())


def fetch_error(url: str, limits: FetchLimits | None = None, **kwargs: str | None) -> FetchError:
    """Fetch and return the FetchError it must raise."""
    with pytest.raises(FetchError) as info:
        fetch(url, limits, **kwargs)
    return info.value


def test_200_returns_body_headers_and_sends_polite_headers(srv: LocalHTTPServer) -> None:
    srv.route("/feed.xml", Route(body=RSS, headers={"Content-Type": "application/rss+xml"}))
    result = fetch(srv.url("/feed.xml"))
    assert (result.status, result.body, result.url) == (200, RSS, srv.url("/feed.xml"))
    assert result.headers["content-type"] == "application/rss+xml"
    assert result.etag is None and result.max_age_s is None and result.elapsed_s > 0
    sent = srv.requests_for("/feed.xml")[0].headers
    assert sent["user-agent"].startswith("nieuwsradar/0.")
    assert "gzip" in sent["accept-encoding"]
    assert "application/rss+xml" in sent["accept"] and "application/json" in sent["accept"]
    assert "if-none-match" not in sent and "if-modified-since" not in sent


def test_gzip_body_is_decoded(srv: LocalHTTPServer) -> None:
    srv.route("/gz", Route(body=gzip.compress(RSS * 100), headers={"Content-Encoding": "gzip"}))
    assert fetch(srv.url("/gz")).body == RSS * 100


def test_etag_round_trip_gives_304_without_body(srv: LocalHTTPServer) -> None:
    srv.route("/feed", Route(body=RSS, etag='"v1"', headers={"Cache-Control": "max-age=600"}))
    first = fetch(srv.url("/feed"))
    assert (first.status, first.etag, first.body) == (200, '"v1"', RSS)
    second = fetch(srv.url("/feed"), etag=first.etag)
    assert second.not_modified and second.body is None and second.etag == '"v1"'
    assert second.max_age_s == 600
    assert srv.requests_for("/feed")[1].headers["if-none-match"] == '"v1"'


def test_last_modified_round_trip(srv: LocalHTTPServer) -> None:
    stamp = "Tue, 04 Mar 2025 09:00:00 GMT"
    srv.route("/feed", Route(body=RSS, last_modified=stamp))
    first = fetch(srv.url("/feed"))
    assert first.last_modified == stamp and first.status == 200
    second = fetch(srv.url("/feed"), last_modified=first.last_modified)
    assert second.status == 304 and second.last_modified == stamp
    assert srv.requests_for("/feed")[1].headers["if-modified-since"] == stamp


def test_304_keeps_the_validators_sent_when_the_server_omits_them(srv: LocalHTTPServer) -> None:
    srv.route("/feed", Route(status=304))
    result = fetch(srv.url("/feed"), etag='W/"abc"', last_modified="Mon, 03 Mar 2025 08:00:00 GMT")
    assert result.status == 304 and result.body is None
    assert result.etag == 'W/"abc"' and result.last_modified == "Mon, 03 Mar 2025 08:00:00 GMT"


def test_permanent_redirect_is_followed_and_final_url_reported(srv: LocalHTTPServer) -> None:
    srv.redirect("/old", "/older", status=301)
    srv.redirect("/older", srv.url("/new"), status=308)
    srv.route("/new", Route(body=RSS, etag='"n"'))
    result = fetch(srv.url("/old"), etag='"x"')
    assert result.url == srv.url("/new") and result.body == RSS and result.etag == '"n"'
    assert [r.path for r in srv.requests] == ["/old", "/older", "/new"]
    # The validators travel along: the final resource is the one they belong to.
    assert srv.requests_for("/new")[0].headers["if-none-match"] == '"x"'


def test_redirect_loop_is_an_error_naming_the_url(srv: LocalHTTPServer) -> None:
    srv.redirect("/a", "/b", status=302)
    srv.redirect("/b", "/a", status=302)
    err = fetch_error(srv.url("/a"))
    assert "redirect loop" in str(err) and str(err).startswith(srv.url("/a"))
    assert len(srv.requests) == 2


def test_redirect_limit(srv: LocalHTTPServer) -> None:
    for i in range(6):
        srv.redirect(f"/r{i}", f"/r{i + 1}", status=307)
    srv.route("/r6", Route(body=b"end"))
    assert fetch(srv.url("/r1"), FetchLimits(max_redirects=5)).body == b"end"
    err = fetch_error(srv.url("/r0"), FetchLimits(max_redirects=5))
    assert "more than 5 redirects" in str(err) and err.url == srv.url("/r0")


def test_redirect_to_other_scheme_or_without_location_is_refused(srv: LocalHTTPServer) -> None:
    srv.redirect("/ftp", "ftp://127.0.0.1/feed")
    srv.route("/nowhere", Route(status=302))
    assert "only http:// and https://" in str(fetch_error(srv.url("/ftp")))
    err = fetch_error(srv.url("/nowhere"))
    assert "without a Location" in str(err) and err.status == 302


@pytest.mark.parametrize(("status", "word"), [(404, "not found"), (410, "gone")])
def test_404_and_410_are_permanent(srv: LocalHTTPServer, status: int, word: str) -> None:
    srv.route("/feed", Route(status=status))
    err = fetch_error(srv.url("/feed"))
    assert err.permanent and err.status == status and word in str(err)


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds(srv: LocalHTTPServer, status: int) -> None:
    srv.route("/feed", Route(status=status, headers={"Retry-After": "120"}))
    err = fetch_error(srv.url("/feed"))
    assert err.status == status and err.retry_after_s == 120 and not err.permanent
    assert "retry after 120 s" in str(err)


def test_retry_after_http_date(srv: LocalHTTPServer) -> None:
    srv.route("/feed", Route(status=429, headers={"Retry-After": formatdate(time.time() + 300,
                                                                           usegmt=True)}))
    err = fetch_error(srv.url("/feed"))
    assert err.retry_after_s is not None and 290 <= err.retry_after_s <= 301


def test_server_error_is_not_permanent(srv: LocalHTTPServer) -> None:
    srv.route("/feed", Route(status=500, headers={"Retry-After": "5"}))
    err = fetch_error(srv.url("/feed"))
    assert err.status == 500 and not err.permanent and err.retry_after_s is None
    assert "HTTP 500" in str(err)


@pytest.mark.parametrize(
    ("cache_control", "expected"),
    [("public, max-age=900", 900), ("s-maxage=60", 60), ("max-age=0", 0),
     ("no-cache, max-age=900", None), ("no-store", None), ("private", None)],
)
def test_cache_control_max_age(srv: LocalHTTPServer, cache_control: str, expected: int | None
                               ) -> None:
    srv.route("/feed", Route(body=RSS, headers={"Cache-Control": cache_control}))
    assert fetch(srv.url("/feed")).max_age_s == expected


def test_dripping_server_hits_the_overall_deadline(srv: LocalHTTPServer) -> None:
    srv.route("/drip", Route(body=b"x" * 100, drip_s=0.25))
    started = time.perf_counter()
    err = fetch_error(srv.url("/drip"), FetchLimits(deadline_s=1.0, read_timeout_s=5.0))
    took = time.perf_counter() - started
    assert "deadline" in str(err) and "1 s" in str(err)
    assert 0.9 < took < 2.5


def test_silent_server_hits_the_read_timeout(srv: LocalHTTPServer) -> None:
    srv.route("/slow", Route(body=RSS, delay_s=3.0))
    started = time.perf_counter()
    err = fetch_error(srv.url("/slow"), FetchLimits(read_timeout_s=0.3))
    assert "read timeout" in str(err) and time.perf_counter() - started < 2.0


def test_oversized_content_length_is_refused_before_reading(srv: LocalHTTPServer) -> None:
    srv.route("/big", Route(body=b"x" * 10, content_length=100 * MIB))
    err = fetch_error(srv.url("/big"), FetchLimits(max_bytes=MIB))
    assert "body larger than 1 MiB" in str(err) and "Content-Length 100.0 MiB" in str(err)


def test_oversized_stream_without_content_length_is_stopped(srv: LocalHTTPServer) -> None:
    srv.route("/big", Route(body=b"x" * (2 * MIB), chunked=True))
    srv.route("/fits", Route(body=b"y" * MIB, chunked=True))
    err = fetch_error(srv.url("/big"), FetchLimits(max_bytes=MIB))
    assert "body larger than 1 MiB" in str(err) and "Content-Length" not in str(err)
    assert fetch(srv.url("/fits"), FetchLimits(max_bytes=MIB)).body == b"y" * MIB


def test_gzip_bomb_is_stopped_with_bounded_memory(srv: LocalHTTPServer) -> None:
    bomb = gzip.compress(bytes(256 * MIB), compresslevel=9)
    assert len(bomb) < MIB  # small on the wire, 256 MiB inflated
    srv.route("/bomb", Route(body=bomb, headers={"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        err = fetch_error(srv.url("/bomb"), FetchLimits(max_bytes=2 * MIB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "body larger than 2 MiB" in str(err)
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB while inflating a bomb"


def _count_concurrency(max_connections: int, per_host: int, n: int) -> int:
    with LocalHTTPServer() as server:
        server.route("/slow", Route(body=RSS, delay_s=0.15))

        async def run() -> None:
            async with Fetcher(max_connections=max_connections, per_host=per_host) as fetcher:
                results = await asyncio.gather(
                    *(fetcher.fetch(server.url("/slow")) for _ in range(n)))
            assert all(r.body == RSS for r in results)

        asyncio.run(run())
        assert len(server.requests) == n
        return server.max_in_flight


def test_per_host_and_global_concurrency_limits_are_enforced() -> None:
    assert _count_concurrency(max_connections=64, per_host=2, n=8) == 2
    assert _count_concurrency(max_connections=3, per_host=8, n=8) == 3
    assert _count_concurrency(max_connections=64, per_host=64, n=8) == 8


def test_many_slow_feeds_are_fetched_concurrently_over_pooled_connections() -> None:
    """500 feeds with 50 ms latency at 64 connections: ideally 8 rounds, ~0.4 s."""
    with LocalHTTPServer(latency_s=0.05) as server:
        for i in range(500):
            server.route(f"/f{i}", Route(body=RSS * 20, etag=f'"{i}"'))

        async def run(etags: list[str | None]) -> list[FetchResult]:
            async with Fetcher(max_connections=64, per_host=64) as fetcher:
                return await asyncio.gather(*(
                    fetcher.fetch(server.url(f"/f{i}"), etag=etags[i]) for i in range(500)))

        started = time.perf_counter()
        cold = asyncio.run(run([None] * 500))
        cold_s = time.perf_counter() - started
        started = time.perf_counter()
        warm = asyncio.run(run([r.etag for r in cold]))
        warm_s = time.perf_counter() - started
    assert all(r.status == 200 for r in cold) and all(r.status == 304 for r in warm)
    assert server.max_in_flight <= 64
    assert cold_s < 4.0 and warm_s < 4.0, (cold_s, warm_s)


def test_handler_route_sees_the_request(srv: LocalHTTPServer) -> None:
    def echo(request: RecordedRequest) -> Route:
        return Route(body=request.headers.get("if-none-match", "-").encode())

    srv.route("/echo", Route(handler=echo))
    assert fetch(srv.url("/echo"), etag='"e"').body == b'"e"'


def test_connection_refused_is_a_fetch_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = fetch_error(f"http://127.0.0.1:{port}/feed")
    assert "connection refused" in str(err) and err.status is None
    assert "Traceback" not in str(err) and "\n" not in str(err)


@pytest.mark.parametrize(
    ("url", "message"),
    [("ftp://example.org/feed.xml", "ftp:// is not supported"),
     ("file:///etc/passwd", "file:// is not supported"),
     ("example.org/feed", "without scheme is not supported"),
     ("http:///feed", "no host name"),
     ("http://[::1/feed", "not a valid URL")],
)
def test_bad_urls_are_refused_without_a_request(url: str, message: str) -> None:
    err = fetch_error(url)
    assert message in str(err) and err.url == url


def test_fetch_outside_the_context_manager_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(Fetcher().fetch("http://127.0.0.1/"))


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        FetchLimits(max_bytes=0)
    with pytest.raises(ValueError, match="per_host"):
        Fetcher(per_host=0)
