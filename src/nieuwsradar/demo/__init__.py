"""``nieuwsradar demo``: the main job, offline, on bundled demo sources.

Starts the local demo server, ingests every demo source into a fresh SQLite file through
the same Radar facade as a real installation, and prints what happened: sources, items,
domains, stories seen in several sources, a search and the broken source's error. Then
(unless ``--no-serve``) it serves the archive with the scheduler running
(:mod:`.serving`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, SearchRequest, make_radar
from nieuwsradar.demo.digest import demo_settings, write_demo_digest
from nieuwsradar.demo.server import DemoServer
from nieuwsradar.demo.sources import DEMO_SOURCES, load_items
from nieuwsradar.errors import StorageError

Echo = Callable[[str], None]
DEMO_QUERIES = ("bodycam", "drugslab sinds:2026-10-01", "omgevingsplan domein:omgevingswet")


def fresh_database(path: Path) -> None:
    """Remove a previous demo database (and its WAL files) so the demo starts clean."""
    for suffix in ("", "-wal", "-shm"):
        target = path.with_name(path.name + suffix)
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"{target}: cannot remove old demo database: {exc}") from None


def run_demo(db: Path, *, serve: bool, port: int = 0, web_port: int = 8000,
             echo: Echo = print) -> int:
    """Run the demo into ``db``; with ``serve``, then serve the archive (web app and
    scheduler, the demo sources kept up) until Ctrl-C. Returns the exit status."""
    fresh_database(db)
    items = load_items()
    with DemoServer(items, port=port) as server:
        echo(f"Demobronnen draaien op {server.base_url} ({len(DEMO_SOURCES)} bronnen, "
             f"{len(items)} berichten).")
        with make_radar(demo_settings(Settings.from_env(db=db), web_port)) as radar:
            radar.sync_sources([s.spec(server.base_url) for s in DEMO_SOURCES])
            result = radar.update(all_sources=True)
            echo(f"Ingelezen in {db}: {result.items_new} nieuwe items uit "
                 f"{result.sources_ok} bronnen in {result.elapsed_s:.1f} s; "
                 f"{result.sources_failed} bron mislukt, {result.duplicates} duplicaten "
                 f"samengevoegd tot verhalen, {result.classified} geclassificeerd.")
            for failure in result.failures:
                echo(f"  mislukt (zoals bedoeld): {failure.name}: {failure.error}")
            report(radar, echo)
            write_demo_digest(radar, echo)
            report_trends(radar, echo)
            again = radar.update(all_sources=True)
            unchanged = sum(1 for r in again.sources if r.not_modified)
            echo(f"\nTweede update: {unchanged} bronnen ongewijzigd (HTTP 304), "
                 f"{again.items_new} nieuwe items, in {again.elapsed_s:.2f} s.")
            if serve:
                from nieuwsradar.demo.serving import serve_demo  # the web stack, only here

                return serve_demo(radar, db, sources_url=server.base_url, port=web_port,
                                  echo=echo)
    return 0


def report(radar: Radar, echo: Echo) -> None:
    """Print per-source counts, domain counts, multi-source stories and sample searches."""
    echo("\nBronnen:")
    for state in radar.sources():
        status = "ok" if state.error_count == 0 else f"fout: {state.last_error}"
        echo(f"  {state.spec.name:<36} {state.spec.kind:<14} {state.item_count:>4} items  {status}")
    stats = radar.label_counts()
    if stats:
        echo("\nDomeinen: " + ", ".join(f"{label} {count}" for label, count in stats))
    else:
        echo(f"\nDomeinen: niet geclassificeerd ({radar.model_problem})")
    stories = radar.multi_source_stories(limit=5)
    if stories:
        echo("\nHetzelfde verhaal in meerdere bronnen:")
        for cluster_items in stories:
            names = Counter(it.source_name for it in cluster_items)
            echo(f"  {cluster_items[0].title} — {', '.join(sorted(names))}")
    for query in DEMO_QUERIES:
        page = radar.find(SearchRequest(text=query, limit=3))
        echo(f"\nZoeken: {query!r}: {page.total} resultaten")
        for hit in page.hits:
            echo(f"  {hit.item.published_at:%Y-%m-%d}  {hit.item.title} ({hit.item.source_name})")


def report_trends(radar: Radar, echo: Echo) -> None:
    """Print the top rising topics of the demo's latest week, overall and per domain."""
    week = radar.latest_week()
    if week is None:
        return
    result = radar.trends(week=week, limit=3)
    echo(f"\nTrends in {result.label} (vergeleken met de {len(result.baseline)} weken ervoor):")
    for section in result.domains:
        topics = "; ".join(f"{t.topic} ({t.count} bronnen{', nieuw' if t.new else ''})"
                           for t in section.topics) or "geen"
        echo(f"  {section.domain or 'alle domeinen'}: {topics}")
