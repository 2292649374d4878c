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
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nieuwsradar.errors import ConfigError
from nieuwsradar.types import SOURCE_KINDS, ScrapeRules, SourceSpec

MIN_INTERVAL_S = 15 * 60
MAX_INTERVAL_S = 24 * 3600

_SOURCE_KEYS = {
    "name", "url", "kind", "publisher", "domains", "interval", "full_text",
    "content_selector", "scrape",
}
_SCRAPE_KEYS = {"item", "title", "link", "date", "date_attr", "summary"}
_INT_SETTINGS = {"workers", "per_host", "poll_every_s", "lease_s", "web_concurrency"}
_INTERVAL_RE = re.compile(r"^\s*(\d+)\s*(s|m|min|h|u|d)?\s*$")
_INTERVAL_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "u": 3600, "d": 86400, None: 60}
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def repo_root() -> Path:
    """The checkout this package runs from (src layout: src/nieuwsradar → two levels up)."""
    return Path(__file__).resolve().parents[2]


#: Files shipped inside the package (found the same from a checkout or an installed wheel).
PACKAGE_DIR = Path(__file__).resolve().parent
#: The shipped domain model; ``NIEUWSRADAR_MODEL`` overrides it.
DEFAULT_MODEL = PACKAGE_DIR / "models" / "domain-model.npz"
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
    #: How long an update run's claim on a source lasts; the run renews it every third
    #: of that while it lives, so this only bounds how long a killed run blocks a source.
    lease_s: int = 900
    #: How many page and API reads the web app works on at once (0: one per CPU, at
    #: least 2); more requests wait their turn (see nieuwsradar.web.limits).
    web_concurrency: int = 0
    # --- mail and digest (issue 8): also read from the settings file, see load_settings ---
    config: Path | None = None
    smtp_host: str = "localhost"
    smtp_port: int = 0
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = ""
    reply_to: str = ""
    digest_schedule: str = "ma 07:00"
    timezone: str = "Europe/Amsterdam"
    send_rate: int = 30
    digest_per_domain: int = 5
    unsubscribe_mailto: str = ""
    dkim_key: Path | None = None
    dkim_selector: str = ""
    dkim_domain: str = ""
    # --- end of mail and digest settings ---

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``NIEUWSRADAR_*`` environment variables plus overrides.

        A malformed value (``NIEUWSRADAR_WORKERS=many``) raises ConfigError naming it.
        """
        env = os.environ if env is None else env
        values, origins = settings_file_values(env, overrides.pop("config", None))
        for name in cls.__dataclass_fields__:
            raw = env.get(f"NIEUWSRADAR_{name.upper()}")
            if raw is None or raw == "" or name == "config":
                continue
            origins[name] = {"field": f"NIEUWSRADAR_{name.upper()}"}
            if name in _MAIL_FIELDS:
                values[name] = raw
            elif name in _INT_SETTINGS:
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
        values.update(check_mail_settings(values, origins))
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
        if not 1 <= self.lease_s <= 86_400:
            raise ConfigError("lease_s must be between 1 and 86400 seconds", field="lease_s")
        if not 0 <= self.web_concurrency <= 256:
            raise ConfigError("web_concurrency must be between 0 (one per CPU) and 256",
                              field="web_concurrency")


# --- settings file and mail/digest settings (issue 8) -----------------------------------

#: Read when neither ``--config`` nor ``NIEUWSRADAR_CONFIG`` names a settings file.
DEFAULT_SETTINGS_FILE = Path("nieuwsradar.toml")
SMTP_SECURITY = ("none", "starttls", "tls")
SMTP_DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
_MAIL_FIELDS = {
    "smtp_host", "smtp_port", "smtp_security", "smtp_user", "smtp_password", "mail_from",
    "reply_to", "base_url", "secret_key", "digest_schedule", "timezone", "send_rate",
    "digest_per_domain", "unsubscribe_mailto", "dkim_key", "dkim_selector", "dkim_domain",
}
_MAIL_INTS = {"smtp_port": (0, 65535), "send_rate": (0, 100_000), "digest_per_domain": (1, 50)}
_PATH_FIELDS = {"db", "feeds", "model", "topics", "dkim_key"}
_DAYS = {
    "ma": "mon", "maandag": "mon", "mon": "mon", "monday": "mon",
    "di": "tue", "dinsdag": "tue", "tue": "tue", "tuesday": "tue",
    "wo": "wed", "woensdag": "wed", "wed": "wed", "wednesday": "wed",
    "do": "thu", "donderdag": "thu", "thu": "thu", "thursday": "thu",
    "vr": "fri", "vrijdag": "fri", "fri": "fri", "friday": "fri",
    "za": "sat", "zaterdag": "sat", "sat": "sat", "saturday": "sat",
    "zo": "sun", "zondag": "sun", "sun": "sun", "sunday": "sun",
}
_SCHEDULE_RE = re.compile(r"^\s*([a-z]+)\s+(\d{1,2}):(\d{2})\s*$")
_ADDRESS_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
HOW_TO_MAKE_A_KEY = (
    "make one with: python -c \"import secrets; print(secrets.token_urlsafe(32))\" and put it "
    "in nieuwsradar.toml (secret_key = \"...\") or in NIEUWSRADAR_SECRET_KEY"
)

Origin = dict[str, Any]
"""Where a setting came from, as ConfigError keyword arguments (path, line, field)."""


def parse_schedule(text: str) -> tuple[str, int, int]:
    """``"ma 07:00"`` / ``"monday 7:00"`` → ``("mon", 7, 0)`` (cron day name, hour, minute)."""
    m = _SCHEDULE_RE.match(text.lower())
    if not m or m.group(1) not in _DAYS:
        raise ValueError(f"expected a weekday and a time like 'ma 07:00' or 'mon 07:00', "
                         f"got {text!r}")
    hour, minute = int(m.group(2)), int(m.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day (00:00 to 23:59)")
    return _DAYS[m.group(1)], hour, minute


def settings_file_values(env: Mapping[str, str],
                         explicit: Path | str | None) -> tuple[dict[str, Any], dict[str, Origin]]:
    """The values of the settings file and where each came from (file and line).

    The file is ``explicit`` (``--config``), else ``NIEUWSRADAR_CONFIG``, else
    ./nieuwsradar.toml when it exists. Keys are the settings' names in lower case
    (``smtp_host``); relative paths are read relative to the file's folder. A named file
    that is missing, invalid TOML, an unknown key or a value of the wrong type raises
    ConfigError naming ``file:line [key]``.
    """
    named = explicit or env.get("NIEUWSRADAR_CONFIG") or None
    path = Path(named) if named else DEFAULT_SETTINGS_FILE
    if not named and not path.is_file():
        return {}, {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("settings file not found; create it or fix --config / "
                          "NIEUWSRADAR_CONFIG", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read settings file: {exc}", path=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML: {exc}", path=str(path),
                          line=int(m.group(1)) if m else None) from None
    fields = Settings.__dataclass_fields__
    values: dict[str, Any] = {"config": path}
    origins: dict[str, Origin] = {}
    for key, value in data.items():
        origin: Origin = {"path": str(path), "line": _key_line(text, 0, key), "field": key}
        if key not in fields or key == "config":
            allowed = ", ".join(sorted(set(fields) - {"config"}))
            raise ConfigError(f"unknown setting {key!r}; known settings: {allowed}", **origin)
        origins[key] = origin
        if key in _PATH_FIELDS:
            if not isinstance(value, str) or not value.strip():
                raise ConfigError("expected a file path in quotes", **origin)
            values[key] = path.parent / Path(value).expanduser()
        elif key in _INT_SETTINGS or key in _MAIL_INTS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"expected a whole number without quotes, got {value!r}",
                                  **origin)
            values[key] = value
        elif not isinstance(value, str):
            raise ConfigError(f"expected a text in quotes, got {value!r}", **origin)
        else:
            values[key] = value
    return values, origins


def check_mail_settings(values: Mapping[str, Any],
                        origins: Mapping[str, Origin]) -> dict[str, Any]:
    """Convert and check the mail and digest settings in ``values``; return the converted ones.

    A wrong value raises ConfigError naming the setting (and ``file:line`` when it came
    from the settings file) and what to put there. Whether sending is possible at all
    (a secret key, a sender) is checked later by :func:`mail_problems`, so commands that
    send no mail work without them.
    """
    out: dict[str, Any] = {}

    def fail(name: str, message: str) -> ConfigError:
        return ConfigError(message, **origins.get(name, {"field": name}))

    for name in _MAIL_FIELDS & set(values):
        value = values[name]
        if name in _MAIL_INTS:
            low, high = _MAIL_INTS[name]
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise fail(name, f"expected a whole number, got {value!r}") from None
            if not low <= number <= high:
                raise fail(name, f"must be between {low} and {high}, got {number}")
            out[name] = number
        elif name == "dkim_key":
            out[name] = None if value in (None, "") else Path(value)
        else:
            out[name] = str(value).strip()
    if "smtp_security" in out and out["smtp_security"] not in SMTP_SECURITY:
        raise fail("smtp_security", f"use one of {', '.join(SMTP_SECURITY)}, got "
                                    f"{out['smtp_security']!r}")
    for name in ("mail_from", "reply_to"):
        if out.get(name) and not _ADDRESS_RE.match(parseaddr(out[name])[1]):
            raise fail(name, f"expected an e-mail address, optionally with a name: "
                             f"'M150 Nieuwsradar <radar@example.nl>', got {out[name]!r}")
    if out.get("unsubscribe_mailto") and not _ADDRESS_RE.match(out["unsubscribe_mailto"]):
        raise fail("unsubscribe_mailto", "expected a bare e-mail address such as "
                                         f"afmelden@example.nl, got {out['unsubscribe_mailto']!r}")
    if "base_url" in out:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", out["base_url"]):
            raise fail("base_url", "expected the public address of the web app, like "
                                   f"https://radar.example.nl, got {out['base_url']!r}")
        out["base_url"] = out["base_url"].rstrip("/")
    if "digest_schedule" in out:
        try:
            parse_schedule(out["digest_schedule"])
        except ValueError as exc:
            raise fail("digest_schedule", str(exc)) from None
    if "timezone" in out:
        try:
            ZoneInfo(out["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise fail("timezone", f"unknown time zone {out['timezone']!r}; use a name like "
                                   "Europe/Amsterdam") from None
    if out.get("secret_key") and len(out["secret_key"]) < 16:
        raise fail("secret_key", f"too short (at least 16 characters); {HOW_TO_MAKE_A_KEY}")
    dkim = [values.get(n) for n in ("dkim_key", "dkim_selector", "dkim_domain")]
    if any(dkim) and not all(dkim):
        raise fail("dkim_key", "DKIM signing needs all three of dkim_key (path of the "
                               "private key PEM), dkim_selector and dkim_domain")
    return out


def mail_problems(settings: Settings) -> list[str]:
    """Why mail cannot be sent with these settings (empty when it can), one line each."""
    problems = []
    if not settings.secret_key:
        problems.append(f"NIEUWSRADAR_SECRET_KEY is not set (it signs the links in every "
                        f"e-mail); {HOW_TO_MAKE_A_KEY}")
    if not settings.mail_from:
        problems.append("NIEUWSRADAR_MAIL_FROM is not set; put the sender with a name in it, "
                        "like 'M150 Nieuwsradar <radar@example.nl>'")
    if not settings.base_url:
        problems.append("NIEUWSRADAR_BASE_URL is not set; every link in the e-mail points to "
                        "the web app there, like https://radar.example.nl")
    if settings.dkim_key is not None and not settings.dkim_key.is_file():
        problems.append(f"NIEUWSRADAR_DKIM_KEY: {settings.dkim_key} does not exist; point "
                        "it to the DKIM private key (PEM)")
    return problems


def smtp_port(settings: Settings) -> int:
    """The SMTP port: the setting, or the usual port of the security mode (25/587/465)."""
    return settings.smtp_port or SMTP_DEFAULT_PORTS[settings.smtp_security]


# --- end of settings file and mail/digest settings --------------------------------------


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


def url_problem(url: str) -> str | None:
    """What is wrong with a source URL (None when it is a usable http(s) URL).

    Catches what a regular expression lets through and only fails at fetch time: an
    impossible port, no host name, spaces or control characters.
    """
    if not re.match(r"^https?://[^\s/]+", url):
        return f"must be http(s): start it with http:// or https://, got {url!r}"
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in url):
        return f"contains spaces or control characters: {url!r}; encode them (%20)"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"{url!r} is not a valid URL ({exc}); ports go from 1 to 65535"
    if not parts.hostname:
        return f"{url!r} has no host name; write it as https://host/path"
    if port == 0:
        return f"{url!r} has port 0; ports go from 1 to 65535"
    return None


def _text_problem(value: str) -> str | None:
    """Why a name or publisher cannot be used: control characters (they reach terminals
    and cannot all be written to OPML) or bidi controls (they reorder the text around)."""
    bad = sorted({f"U+{ord(ch):04X}" for ch in value
                  if ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs")})
    return f"contains control characters ({', '.join(bad)}); remove them" if bad else None


def _short(value: object) -> str:
    """``repr(value)`` cut to a length that fits in a one-line message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold (older databases may have
    stored them), so an export never fails on them."""
    return _NOT_XML.sub("", value)


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


def load_sources(path: Path, labels: Collection[str] | None = None) -> list[SourceSpec]:
    """Read and validate a feeds.toml file.

    Raises ConfigError naming ``path:line [source N 'name'].field`` for the first problem,
    with the fix in the message. Duplicate URLs are an error too (one source, one URL).
    ``labels`` are the taxonomy's labels that ``domains`` may name (None: not checked).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found; create it or pass --feeds", path=str(path)) from None
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise ConfigError(
            f"not UTF-8 text (byte {exc.object[exc.start]:#04x}); save the file as UTF-8",
            path=str(path), line=line) from None
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from None
    return parse_sources(text, str(path), labels)


def parse_sources(text: str, path: str = "feeds.toml",
                  labels: Collection[str] | None = None) -> list[SourceSpec]:
    """Validate feeds.toml text (see :func:`load_sources`)."""
    if text.startswith("\ufeff"):
        raise ConfigError(
            "the file starts with a byte order mark (BOM), which TOML does not allow; save "
            "it as UTF-8 without BOM (in Notepad: 'UTF-8', not 'UTF-8 with BOM')",
            path=path, line=1)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", path=path, line=int(m.group(1)) if m else None
        ) from None
    except RecursionError:
        raise ConfigError("not valid TOML: arrays or tables are nested too deeply; "
                          "feeds.toml needs only [[source]] tables", path=path) from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise ConfigError(f"not valid TOML: {exc}", path=path) from None
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
        if not isinstance(raw, dict):
            raise ConfigError(
                f"source {index + 1} is {type(raw).__name__} {_short(raw)}, not a table; "
                "write each source as a [[source]] table with name and url", path=path,
                line=start)
        name = raw.get("name")
        label = f"source {index + 1}" + (f" {_short(name)}" if name else "")

        def fail(message: str, key: str | None = None, *, _start: int | None = start,
                 _label: str = label) -> ConfigError:
            line = _key_line(text, _start, key) if (_start and key) else _start
            return ConfigError(message, path=path, line=line,
                               field=f"{_label}, {key}" if key else _label)

        spec = _source_from_table(raw, fail, labels)
        if spec.url in seen:
            raise fail(f"duplicate url, already used by source {seen[spec.url]}", "url")
        seen[spec.url] = index + 1
        specs.append(spec)
    return specs


def _source_from_table(raw: dict[str, Any], fail: Any,
                       labels: Collection[str] | None) -> SourceSpec:
    """Convert one ``[[source]]`` table; ``fail(message, key)`` builds the located error."""
    unknown = set(raw) - _SOURCE_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise fail(f"unknown key {key!r}; allowed: {', '.join(sorted(_SOURCE_KEYS))}", key)
    for key in ("name", "url"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(f"missing or empty {key!r} (a text value is required)", key)
    url = raw["url"].strip()
    problem = url_problem(url)
    if problem:
        raise fail(f"url {problem}", "url")
    problem = _text_problem(raw["name"])
    if problem:
        raise fail(f"name {problem}", "name")
    kind = raw.get("kind", "feed")
    if kind not in SOURCE_KINDS:
        raise fail(f"unknown kind {kind!r}; use one of {', '.join(SOURCE_KINDS)}", "kind")
    domains = raw.get("domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise fail("domains must be a list of texts", "domains")
    bad = [d for d in domains if labels is not None and d not in labels]
    if bad:
        raise fail(f"unknown domain(s) {bad}; use {', '.join(labels or ())} (the labels of "
                   "topics.toml)", "domains")
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
    problem = _text_problem(publisher)
    if problem:
        raise fail(f"publisher {problem}", "publisher")
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
    from lxml import etree  # only for OPML: every command reads settings, few read OPML

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
            problem = url_problem(url)
            if problem:
                raise ConfigError(f"xmlUrl {problem}", path=path,
                                  line=outline.sourceline, field="outline.xmlUrl")
            problem = _text_problem(title) or _text_problem(category)
            if problem:
                raise ConfigError(f"title {problem}", path=path, line=outline.sourceline,
                                  field="outline.title")
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
    from lxml import etree

    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml_text(title)
    body = etree.SubElement(root, "body")
    groups: dict[str, Any] = {}
    for spec in specs:
        parent = body
        publisher, name = _xml_text(spec.publisher), _xml_text(spec.name)
        if publisher:
            if publisher not in groups:
                groups[publisher] = etree.SubElement(
                    body, "outline", text=publisher, title=publisher)
            parent = groups[publisher]
        attrs = {"type": "rss", "text": name, "title": name, "xmlUrl": _xml_text(spec.url)}
        if spec.kind != "feed":
            attrs["nieuwsradarKind"] = spec.kind
        etree.SubElement(parent, "outline", attrs)
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True))
