"""feeds.toml, OPML and settings: valid input converts, bad input names file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from nieuwsradar.config import (
    SHIPPED_FEEDS,
    Settings,
    load_sources,
    parse_interval,
    parse_opml,
    parse_sources,
    to_opml,
)
from nieuwsradar.errors import ConfigError

GOOD = """
[[source]]
name = "VNG Nieuws"
url = "https://vng.nl/rss/nieuws.xml"
publisher = "VNG"
domains = ["handhaving", "sociaal domein"]
interval = "2h"

[[source]]
name = "RIEC"
url = "https://www.riec.nl/actueel/nieuws"
kind = "scrape"
interval = 30
[source.scrape]
item = "article"
title = "h2"
link = "a"
date = "time"
date_attr = "datetime"
"""


def test_valid_file_converts_every_field() -> None:
    vng, riec = parse_sources(GOOD)
    assert vng.kind == "feed" and vng.publisher == "VNG"
    assert vng.default_domains == ("handhaving", "sociaal domein")
    assert vng.interval_s == 7200
    assert riec.kind == "scrape" and riec.interval_s == 1800
    assert riec.scrape is not None and riec.scrape.date_attr == "datetime"


def test_shipped_feeds_toml_is_valid_and_covers_every_kind() -> None:
    specs = load_sources(SHIPPED_FEEDS)
    assert len(specs) >= 15
    assert {s.kind for s in specs} == {"feed", "scrape", "rijksoverheid", "politie"}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[[source]]\nname = "x"\nurl = "https://a.nl"\nkind = "rss"\n', 4, "unknown kind 'rss'"),
        ('[[source]]\nname = "x"\nurl = "ftp://a.nl"\n', 3, "http:// or https://"),
        ('[[source]]\nname = "x"\n', 1, "missing or empty 'url'"),
        ('[[source]]\nname = "x"\nurl = "https://a.nl"\ninterval = "soms"\n', 4, "duration"),
        ('[[source]]\nname = "x"\nurl = "https://a.nl"\ndomains = ["sport"]\n', 4,
         "unknown domain"),
        ('[[source]]\nname = "x"\nurl = "https://a.nl"\ncolour = "red"\n', 4, "unknown key"),
        ('[[source]]\nname = "x"\nurl = "https://a.nl"\nkind = "scrape"\n', 1,
         "needs a [source.scrape] table"),
        ('[[source]]\nname = "x"\nurl = "https://a.nl"\n\n[[source]]\nname = "y"\n'
         'url = "https://a.nl"\n', 7, "duplicate url"),
        ('[[source]]\nname = "x\nurl = 1\n', 2, "not valid TOML"),
    ],
)
def test_errors_name_file_line_and_field(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_sources(text, "feeds.toml", labels=("handhaving", "sociaal domein"))
    message = str(info.value)
    assert message.startswith(f"feeds.toml:{line}"), message
    assert words in message


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_sources(tmp_path / "nope.toml")


def test_interval_clamped_to_15_minutes_and_a_day() -> None:
    assert parse_interval(1) == 900
    assert parse_interval("3d") == 86400
    assert parse_interval("45m") == 2700
    with pytest.raises(ValueError):
        parse_interval(True)


def test_opml_round_trip_and_nested_categories() -> None:
    specs = parse_sources(GOOD)
    back = parse_opml(to_opml(specs))
    assert [(s.url, s.name, s.kind) for s in back] == [(s.url, s.name, "feed") for s in specs]
    nested = b"""<?xml version="1.0"?><opml version="1.0"><body>
      <outline text="Vakbladen"><outline text="BB" xmlUrl="https://bb.nl/rss"/>
      <outline text="Dubbel" xmlUrl="https://bb.nl/rss"/></outline></body></opml>"""
    (only,) = parse_opml(nested)
    assert only.publisher == "Vakbladen" and only.name == "BB"


def test_hostile_or_broken_opml_is_refused_with_line(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("geheim")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<opml><body><outline text="&x;" xmlUrl="https://a.nl/rss"/></body></opml>').encode()
    with pytest.raises(ConfigError, match="external entity") as info:
        parse_opml(xxe)
    assert "geheim" not in str(info.value)
    with pytest.raises(ConfigError, match=r"OPML:2"):
        parse_opml(b"<opml><body>\n<outline xmlUrl='https://a.nl'></body></opml>")
    with pytest.raises(ConfigError, match="xmlUrl must be http"):
        parse_opml(b"<opml><body><outline xmlUrl='javascript:alert(1)'/></body></opml>")


def test_settings_from_env_and_bad_values() -> None:
    settings = Settings.from_env({"NIEUWSRADAR_WORKERS": "8", "NIEUWSRADAR_DB": "x.db"})
    assert settings.workers == 8 and settings.db == Path("x.db")
    with pytest.raises(ConfigError, match="NIEUWSRADAR_WORKERS"):
        Settings.from_env({"NIEUWSRADAR_WORKERS": "veel"})
    with pytest.raises(ConfigError, match="workers must be between 1 and 512"):
        Settings.from_env({"NIEUWSRADAR_WORKERS": "0"})
