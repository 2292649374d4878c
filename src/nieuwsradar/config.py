"""Configuration: feeds.toml and OPML → SourceSpec lists, environment → Settings.

Only validation and conversion live here, no business logic. Every error is a
:class:`~nieuwsradar.errors.ConfigError` that names the file, the line and the field and
says what to do, because the people who edit feeds.toml are network coordinators, not
developers.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from nieuwsradar.errors import ConfigError
from nieuwsradar.types import SOURCE_KINDS, ScrapeRules, SourceSpec

DOMAINS: tuple[str, ...] = ("handhaving", "ondermijning", "sociaal domein", "omgevingswet")
MIN_INTERVAL_S = 15 * 60
MAX_INTERVAL_S = 24 * 3600

_SOURCE_KEYS = {
    "name", "url", "kind", "publisher", "domains", "interval", "full_text",
    "content_selector", "scrape",
}
_SCRAPE_KEYS = {"item", "title", "link", "date", "date_attr", "summary"}
_INT_SETTINGS = {"workers", "per_host", "poll_every_s"}
_INTERVAL_RE = re.compile(r"^\s*(\d+)\s*(s|m|min|h|u|d)?\s*$")
_INTERVAL_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "u": 3600, "d": 86400, None: 60}


def repo_root() -> Path:
    """The checkout this package runs from (src layout: src/nieuwsradar → two levels up)."""
    return Path(__file__).resolve().parents[2]


#: Files shipped inside the package (found the same from a checkout or an installed wheel).
PACKAGE_DIR = Path(__file__).resolve().parent
#: The shipped domain model; ``NIEUWSRADAR_MODEL`` overrides it.
DEFAULT_MODEL = PACKAGE_DIR / "models" / "domain-model.skops"
#: The shipped taxonomy (label set); ``NIEUWSRADAR_TOPICS`` overrides it.
DEFAULT_TOPICS = PACKAGE_DIR / "topics.toml"


#: The list of real Dutch sources that ships with the package. The service starts a new
#: database with it when there is no feeds file (see ``Radar.sync_configured_feeds``).
SHIPPED_FEEDS = PACKAGE_DIR / "feeds.toml"


@dataclass(frozen=True)
class Settings:
    """Runtime settings. Every field has a safe default so ``nieuwsradar demo`` runs bare.

    Read from environment variables ``NIEUWSRADAR_<FIELD>`` by :meth:`from_env`.
    """

    db: Path = Path("nieuwsradar.db")
    feeds: Path = Path("feeds.toml")
    model: Path = DEFAULT_MODEL
    topics: Path = DEFAULT_TOPICS
    workers: int = 32
    per_host: int = 4
    secret_key: str = ""  # signs web sessions; empty = one made and kept in the database
    base_url: str = ""  # public address of the web app, e.g. https://radar.example.nl
    #: How often the service looks for due sources (each keeps its own interval).
    poll_every_s: int = 60

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``NIEUWSRADAR_*`` environment variables plus overrides.

        A malformed value (``NIEUWSRADAR_WORKERS=many``) raises ConfigError naming it.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            raw = env.get(f"NIEUWSRADAR_{name.upper()}")
            if raw is None or raw == "":
                continue
            if name in _INT_SETTINGS:
                try:
                    values[name] = int(raw)
                except ValueError:
                    raise ConfigError(
                        f"expected a whole number, got {raw!r}", field=f"NIEUWSRADAR_{name.upper()}"
                    ) from None
            elif name in ("db", "feeds", "model", "topics"):
                values[name] = Path(raw)
            else:
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Check values that would otherwise fail deep inside a run."""
        if not 1 <= self.workers <= 512:
            raise ConfigError("workers must be between 1 and 512", field="workers")
        if not 1 <= self.per_host <= 512:
            raise ConfigError("per_host must be between 1 and 512", field="per_host")
        if not 1 <= self.poll_every_s <= 86_400:
            raise ConfigError("poll_every_s must be between 1 and 86400 seconds",
                              field="poll_every_s")


def parse_interval(value: object) -> int:
    """Turn ``60`` (minutes), ``"30m"``, ``"2h"``, ``"1d"`` into seconds, clamped 15 min – 24 h."""
    if isinstance(value, bool):
        raise ValueError("expected minutes or a duration like '30m', '2h', '1d'")
    if isinstance(value, int):
        seconds = value * 60
    elif isinstance(value, str) and (m := _INTERVAL_RE.match(value.lower())):
        seconds = int(m.group(1)) * _INTERVAL_UNITS[m.group(2)]
    else:
        raise ValueError(f"expected minutes or a duration like '30m', '2h', '1d', got {value!r}")
    return max(MIN_INTERVAL_S, min(MAX_INTERVAL_S, seconds))


def _header_lines(text: str) -> list[int]:
    """Line numbers (1-based) of each ``[[source]]`` header, in order."""
    return [i for i, line in enumerate(text.splitlines(), 1)
            if re.match(r"^\s*\[\[\s*source\s*\]\]", line)]


def _key_line(text: str, start: int, key: str) -> int:
    """The line of ``key = …`` inside the table whose header is line ``start``, else ``start``."""
    lines = text.splitlines()
    for i in range(start, len(lines)):
        line = lines[i]
        if line.lstrip().startswith("[") and not re.match(r"^\s*\[\s*source\.", line):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return i + 1
    return start


def load_sources(path: Path) -> list[SourceSpec]:
    """Read and validate a feeds.toml file.

    Raises ConfigError naming ``path:line [source N 'name'].field`` for the first problem,
    with the fix in the message. Duplicate URLs are an error too (one source, one URL).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found; create it or pass --feeds", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file: {exc}", path=str(path)) from None
    return parse_sources(text, str(path))


def parse_sources(text: str, path: str = "feeds.toml") -> list[SourceSpec]:
    """Validate feeds.toml text (see :func:`load_sources`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", path=path, line=int(m.group(1)) if m else None
        ) from None
    unknown_top = set(data) - {"source"}
    if unknown_top:
        raise ConfigError(
            f"unknown top-level key(s) {sorted(unknown_top)}; sources are [[source]] tables",
            path=path,
        )
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        raise ConfigError("'source' must be an array of tables: write [[source]]", path=path)
    headers = _header_lines(text)
    specs: list[SourceSpec] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_sources):
        start = headers[index] if index < len(headers) else None
        label = f"source {index + 1}" + (f" {raw.get('name')!r}" if raw.get("name") else "")

        def fail(message: str, key: str | None = None, *, _start: int | None = start,
                 _label: str = label) -> ConfigError:
            line = _key_line(text, _start, key) if (_start and key) else _start
            return ConfigError(message, path=path, line=line,
                               field=f"{_label}, {key}" if key else _label)

        spec = _source_from_table(raw, fail)
        if spec.url in seen:
            raise fail(f"duplicate url, already used by source {seen[spec.url]}", "url")
        seen[spec.url] = index + 1
        specs.append(spec)
    return specs


def _source_from_table(raw: dict[str, Any], fail: Any) -> SourceSpec:
    """Convert one ``[[source]]`` table; ``fail(message, key)`` builds the located error."""
    unknown = set(raw) - _SOURCE_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise fail(f"unknown key {key!r}; allowed: {', '.join(sorted(_SOURCE_KEYS))}", key)
    for key in ("name", "url"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(f"missing or empty {key!r} (a text value is required)", key)
    url = raw["url"].strip()
    if not re.match(r"^https?://[^\s/]+", url):
        raise fail(f"url must start with http:// or https://, got {url!r}", "url")
    kind = raw.get("kind", "feed")
    if kind not in SOURCE_KINDS:
        raise fail(f"unknown kind {kind!r}; use one of {', '.join(SOURCE_KINDS)}", "kind")
    domains = raw.get("domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise fail("domains must be a list of texts", "domains")
    bad = [d for d in domains if d not in DOMAINS]
    if bad:
        raise fail(f"unknown domain(s) {bad}; use {', '.join(DOMAINS)}", "domains")
    try:
        interval_s = parse_interval(raw.get("interval", 60))
    except ValueError as exc:
        raise fail(str(exc), "interval") from None
    full_text = raw.get("full_text", False)
    if not isinstance(full_text, bool):
        raise fail("full_text must be true or false", "full_text")
    selector = raw.get("content_selector")
    if selector is not None and (not isinstance(selector, str) or not selector.strip()):
        raise fail("content_selector must be a non-empty CSS selector", "content_selector")
    publisher = raw.get("publisher", "")
    if not isinstance(publisher, str):
        raise fail("publisher must be a text", "publisher")
    scrape = _scrape_rules(raw.get("scrape"), kind, fail)
    return SourceSpec(
        url=url, name=raw["name"].strip(), kind=kind, publisher=publisher.strip(),
        default_domains=tuple(domains), interval_s=interval_s, full_text=full_text,
        content_selector=selector, scrape=scrape,
    )


def _scrape_rules(raw: object, kind: str, fail: Any) -> ScrapeRules | None:
    if kind != "scrape":
        if raw is not None:
            raise fail("a [source.scrape] table only belongs to kind = \"scrape\"", "scrape")
        return None
    if not isinstance(raw, dict):
        raise fail("kind = \"scrape\" needs a [source.scrape] table with CSS selectors "
                   "item, title and link (date, date_attr, summary optional)", "scrape")
    unknown = set(raw) - _SCRAPE_KEYS
    if unknown:
        raise fail(f"unknown scrape key {sorted(unknown)[0]!r}; allowed: "
                   f"{', '.join(sorted(_SCRAPE_KEYS))}", "scrape")
    for key in ("item", "title", "link"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(f"scrape.{key} must be a CSS selector", "scrape")
    for key in ("date", "date_attr", "summary"):
        if key in raw and not isinstance(raw[key], str):
            raise fail(f"scrape.{key} must be a text", "scrape")
    return ScrapeRules(item=raw["item"], title=raw["title"], link=raw["link"],
                       date=raw.get("date"), date_attr=raw.get("date_attr"),
                       summary=raw.get("summary"))


# --- OPML -------------------------------------------------------------------------------

def parse_opml(data: bytes, path: str = "OPML") -> list[SourceSpec]:
    """Read feed outlines from OPML 1.0/2.0 (nested categories flattened).

    Uses lxml with entity resolution and network access off, so a hostile file cannot
    read local files. Outlines without ``xmlUrl`` are categories; a category title becomes
    the publisher when the outline has none. Invalid URLs are reported with their line.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"not valid OPML/XML: {exc.msg}", path=path,
                          line=exc.lineno or None) from None
    if root.tag != "opml":
        raise ConfigError(f"root element is <{root.tag}>, expected <opml>", path=path)
    specs: list[SourceSpec] = []
    seen: set[str] = set()

    def walk(node: Any, category: str) -> None:
        for outline in node.iterchildren("outline"):
            url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
            title = (outline.get("title") or outline.get("text") or "").strip()
            if not url:
                walk(outline, title or category)
                continue
            if not re.match(r"^https?://[^\s/]+", url):
                raise ConfigError(f"xmlUrl must be http(s), got {url!r}", path=path,
                                  line=outline.sourceline, field="outline.xmlUrl")
            if url in seen:
                continue
            seen.add(url)
            kind = (outline.get("nieuwsradarKind") or "feed").strip()
            if kind not in SOURCE_KINDS or kind == "scrape":
                kind = "feed"
            specs.append(SourceSpec(url=url, name=title or url, kind=kind,  # type: ignore[arg-type]
                                    publisher=category))

    body = root.find("body")
    if body is None:
        raise ConfigError("OPML has no <body>", path=path)
    walk(body, "")
    return specs


def to_opml(specs: Sequence[SourceSpec], title: str = "nieuwsradar bronnen") -> bytes:
    """Export sources as OPML 2.0, grouped by publisher (scrape sources carry their kind)."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    groups: dict[str, Any] = {}
    for spec in specs:
        parent = body
        if spec.publisher:
            if spec.publisher not in groups:
                groups[spec.publisher] = etree.SubElement(
                    body, "outline", text=spec.publisher, title=spec.publisher)
            parent = groups[spec.publisher]
        attrs = {"type": "rss", "text": spec.name, "title": spec.name, "xmlUrl": spec.url}
        if spec.kind != "feed":
            attrs["nieuwsradarKind"] = spec.kind
        etree.SubElement(parent, "outline", attrs)
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True))
