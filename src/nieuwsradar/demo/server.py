"""A local HTTP server that serves the demo items in every format nieuwsradar reads.

Bodies are rendered once at start. Every response carries an ETag and Last-Modified, and
conditional requests get 304, so a second ``update`` shows the cheap path. Article pages
(``/artikel/<id>``) carry the full text for the source that only publishes summaries.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from collections.abc import Iterable
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from nieuwsradar.demo.sources import DEMO_SOURCES, DemoSource

_WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")

Body = tuple[bytes, str]  # (bytes, content type)


def _published(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["published"])


def _body_html(item: dict[str, Any], source: DemoSource) -> str:
    paras = [f"<p>{html.escape(p)}</p>" for p in item.get("body", [])]
    if len(item.get("sources", [])) > 1:
        paras.append(f"<p><em>Bron: {html.escape(source.publisher)}.</em></p>")
    return "".join(paras)


def _link(base: str, item: dict[str, Any], source: DemoSource) -> str:
    return f"{base}/artikel/{source.key}/{item['id']}?utm_source=rss&utm_medium=feed"


def render_rss2(base: str, source: DemoSource, items: list[dict[str, Any]]) -> Body:
    """RSS 2.0 with content:encoded (or only a summary for the full-text source)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
           f"<channel><title>{xml_escape(source.name)}</title><link>{base}/</link>",
           "<language>nl</language><description>Demobron van nieuwsradar</description>"]
    for it in items:
        out.append("<item>")
        out.append(f"<title>{xml_escape(it['title'])}</title>")
        out.append(f"<link>{xml_escape(_link(base, it, source))}</link>")
        out.append(f'<guid isPermaLink="false">{source.key}-{it["id"]}</guid>')
        out.append(f"<pubDate>{format_datetime(_published(it))}</pubDate>")
        out.append(f"<description>{xml_escape(html.escape(it['summary']))}</description>")
        if not source.full_text:
            out.append(f"<content:encoded><![CDATA[{_body_html(it, source)}]]></content:encoded>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "\n".join(out).encode(), "application/rss+xml; charset=utf-8"


def render_rss1(base: str, source: DemoSource, items: list[dict[str, Any]]) -> Body:
    """RSS 1.0 (RDF) with Dublin Core dates."""
    links = [xml_escape(_link(base, it, source)) for it in items]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
           f'<channel rdf:about="{base}{source.path}"><title>{xml_escape(source.name)}</title>'
           f"<link>{base}/</link><description>Demobron</description><items><rdf:Seq>"]
    out += [f'<rdf:li rdf:resource="{link}"/>' for link in links]
    out.append("</rdf:Seq></items></channel>")
    for it, link in zip(items, links, strict=True):
        text = it["summary"] + " " + " ".join(it.get("body", []))
        out.append(f'<item rdf:about="{link}"><title>{xml_escape(it["title"])}</title>'
                   f"<link>{link}</link><description>{xml_escape(text)}</description>"
                   f"<dc:date>{_published(it).isoformat()}</dc:date></item>")
    out.append("</rdf:RDF>")
    return "\n".join(out).encode(), "application/rdf+xml; charset=utf-8"


def render_atom(base: str, source: DemoSource, items: list[dict[str, Any]]) -> Body:
    """Atom 1.0 with HTML content."""
    updated = max((_published(it) for it in items), default=datetime.now().astimezone())
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="nl">',
           f"<title>{xml_escape(source.name)}</title><id>{base}{source.path}</id>",
           f'<link href="{base}/"/><updated>{updated.isoformat()}</updated>']
    for it in items:
        out.append(
            f"<entry><title>{xml_escape(it['title'])}</title>"
            f"<id>tag:demo.nieuwsradar,2026:{source.key}/{it['id']}</id>"
            f'<link rel="alternate" href="{xml_escape(_link(base, it, source))}"/>'
            f"<published>{_published(it).isoformat()}</published>"
            f"<updated>{_published(it).isoformat()}</updated>"
            f"<summary>{xml_escape(it['summary'])}</summary>"
            f'<content type="html">{xml_escape(_body_html(it, source))}</content></entry>')
    out.append("</feed>")
    return "\n".join(out).encode(), "application/atom+xml; charset=utf-8"


def render_jsonfeed(base: str, source: DemoSource, items: list[dict[str, Any]]) -> Body:
    """JSON Feed 1.1."""
    doc = {
        "version": "https://jsonfeed.org/version/1.1", "title": source.name,
        "home_page_url": f"{base}/", "feed_url": f"{base}{source.path}", "language": "nl",
        "items": [{"id": f"{source.key}-{it['id']}", "url": _link(base, it, source),
                   "title": it["title"], "summary": it["summary"],
                   "content_html": _body_html(it, source),
                   "date_published": _published(it).isoformat()} for it in items],
    }
    return json.dumps(doc, ensure_ascii=False).encode(), "application/feed+json; charset=utf-8"


def render_scrape_avh(base: str, source: DemoSource, items: list[dict[str, Any]]) -> Body:
    """A news page without a feed, in the style of the VNG 'Gemeenten Nieuws' aggregator."""
    rows = []
    for it in items:
        when = _published(it)
        date = f"{_WEEKDAYS[when.weekday()]}, {when:%d/%m/%Y - %H:%M}"
        rows.append(
            f'<div class="views-row"><h2><a href="/artikel/{source.key}/{it["id"]}">'
            f"{html.escape(it['title'])}</a></h2>"
            f'<div class="meta">Platform handhaving - <span class="date">{date}</span></div>'
            f'<div class="summary">{html.escape(it["summary"])}</div></div>')
    page = ("<!doctype html><html lang=nl><head><meta charset=utf-8><title>Nieuws</title>"
            "</head><body><nav>Home | Nieuws | Agenda</nav><main><h1>Gemeenten Nieuws</h1>"
            + "".join(rows) + "</main><footer>Categorieën: Gemeenten Nieuws</footer></body></html>")
    return page.encode(), "text/html; charset=utf-8"


def render_scrape_riec(base: str, source: DemoSource, items: list[dict[str, Any]]) -> Body:
    """A second page layout: a list with ``<time datetime>`` and Dutch month names."""
    rows = [
        f'<li class="nieuws-item"><a href="{base}/artikel/{source.key}/{it["id"]}">'
        f"<h3>{html.escape(it['title'])}</h3></a>"
        f'<time datetime="{_published(it).isoformat()}">{_published(it):%d-%m-%Y}</time>'
        f'<p class="intro">{html.escape(it["summary"])}</p></li>' for it in items]
    page = ("<!doctype html><html lang=nl><head><meta charset=utf-8><title>Actueel</title>"
            "</head><body><ul class=nieuws>" + "".join(rows) + "</ul></body></html>")
    return page.encode(), "text/html; charset=utf-8"


def render_politie(base: str, source: DemoSource, items: list[dict[str, Any]]) -> Body:
    """The politie.nl API v4 ``nieuws`` response shape."""
    doc = {"iterator": {"last": True, "offset": 0}, "nieuwsberichten": [
        {"uid": f"demo-{it['id']}", "url": _link(base, it, source), "titel": it["title"],
         "publicatiedatum": _published(it).strftime("%Y-%m-%d %H:%M:%S"),
         "introductie": it["summary"], "gebied": it.get("gebied", ""),
         "alineas": [{"titel": "", "opgemaaktetekst": _body_html(it, source),
                      "alineatype": "tekstblok", "bestanden": None}],
         "tags": [""], "displayName": None, "links": None} for it in items]}
    return json.dumps(doc, ensure_ascii=False).encode(), "application/json; charset=utf-8"


def render_rijksoverheid(base: str, source: DemoSource, items: list[dict[str, Any]]) -> Body:
    """The Rijksoverheid open-data list response (``<documents>``)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<documents>"]
    for it in items:
        intro = f"<p>{html.escape(it['summary'])}</p>" + _body_html(it, source)
        date = _published(it).isoformat()
        out.append(
            f"<document><id>demo-{it['id']}</id><type>nieuwsbericht</type>"
            f"<canonical>{xml_escape(_link(base, it, source))}</canonical>"
            f"<title>{xml_escape(it['title'])}</title>"
            f"<introduction><![CDATA[{intro}]]></introduction>"
            f"<lastmodified>{date}</lastmodified><available>{date}</available>"
            f"<frontenddate>{date}</frontenddate></document>")
    out.append("</documents>")
    return "\n".join(out).encode(), "application/xml; charset=utf-8"


_RENDERERS = {
    "rss2": render_rss2, "rss1": render_rss1, "atom": render_atom, "jsonfeed": render_jsonfeed,
    "politie": render_politie, "rijksoverheid": render_rijksoverheid,
}


def render_article(item: dict[str, Any], source: DemoSource) -> Body:
    """A full article page with navigation and footer boilerplate around the text."""
    page = ("<!doctype html><html lang=nl><head><meta charset=utf-8>"
            f"<title>{html.escape(item['title'])}</title></head><body>"
            "<header><nav>Home | Nieuws | Vacatures | Contact</nav></header>"
            f'<article class="bericht"><h1>{html.escape(item["title"])}</h1>'
            f"<p><strong>{html.escape(item['summary'])}</strong></p>{_body_html(item, source)}"
            "</article><aside>Lees ook: meer nieuws uit de regio</aside>"
            "<footer>© Demo-uitgever · Privacy · Cookies</footer></body></html>")
    return page.encode(), "text/html; charset=utf-8"


def build_site(base: str, items: Iterable[dict[str, Any]]) -> dict[str, Body]:
    """Render every demo path to (body, content type)."""
    items = sorted(items, key=_published, reverse=True)
    site: dict[str, Body] = {}
    for source in DEMO_SOURCES:
        mine = [it for it in items if source.key in it.get("sources", [])]
        if source.fmt == "broken":
            continue
        if source.fmt == "scrape":
            render = render_scrape_avh if source.key == "avh" else render_scrape_riec
            site[source.path] = render(base, source, mine)
        else:
            site[source.path] = _RENDERERS[source.fmt](base, source, mine)
        for it in mine:
            site[f"/artikel/{source.key}/{it['id']}"] = render_article(it, source)
    return site


class DemoServer:
    """The demo sources on 127.0.0.1, in a background thread. Use as a context manager."""

    def __init__(self, items: list[dict[str, Any]], port: int = 0) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        site = build_site(self.base_url, items)
        stamp = format_datetime(max(_published(it) for it in items), usegmt=False)
        self._httpd.site = {  # type: ignore[attr-defined]
            path: (body, ctype, '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"', stamp)
            for path, (body, ctype) in site.items()}
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    server_version = "nieuwsradar-demo/1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        entry = self.server.site.get(path)  # type: ignore[attr-defined]
        if path == "/kapot/rss.xml":
            self._send(500, b"Internal Server Error: database onbereikbaar", "text/plain")
            return
        if entry is None:
            self._send(404, b"Niet gevonden", "text/plain")
            return
        body, ctype, etag, stamp = entry
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(200, body, ctype, {"ETag": etag, "Last-Modified": stamp,
                                      "Cache-Control": "max-age=60"})

    def _send(self, status: int, body: bytes, ctype: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the demo prints its own summary."""
