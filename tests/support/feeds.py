"""Small RSS 2.0 documents for service tests: distinct, recent items per feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

_TOPICS = (
    "Handhavers controleren kamerverhuur in de binnenstad",
    "Gemeente sluit woning na vondst van drugs",
    "Nieuwe regels voor evenementen in het omgevingsplan",
    "Schuldhulp bereikt meer jongeren dan vorig jaar",
    "Boa's krijgen bodycams voor hun veiligheid",
    "Raad praat over ondermijning in het havengebied",
)


def rss_feed(key: str, count: int = 5) -> bytes:
    """An RSS 2.0 feed of ``count`` items whose guids and titles start with ``key``."""
    now = datetime.now(UTC).replace(microsecond=0)
    items = []
    for i in range(count):
        title = f"{key} {i}: {_TOPICS[i % len(_TOPICS)]}"
        text = (f"{title}. Het college meldt dat de maatregel in week {i + 1} ingaat en dat "
                f"bewoners een brief krijgen over wat er verandert in de wijk {key}.")
        items.append(
            f"<item><title>{escape(title)}</title><link>https://bron.test/{key}/{i}</link>"
            f"<guid>{key}-{i}</guid><pubDate>{format_datetime(now - timedelta(hours=i))}"
            f"</pubDate><description>{escape(text)}</description></item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{key}</title><link>https://bron.test/</link>{''.join(items)}"
            "</channel></rss>").encode()
