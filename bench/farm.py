"""A local farm of generated RSS feeds served with a fixed latency, for ingest benchmarks.

Run as a separate process so its CPU use does not share the benchmarked process's GIL:
``python bench/farm.py --port 8765 --feeds 500 --items 20 --latency 0.05``. Every feed is
generated before serving (deterministic, seeded). Responses carry an ETag and answer
``If-None-Match`` with 304, so a second update measures the warm path.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

WORDS = [
    "gemeente", "handhaving", "boa", "toezicht", "college", "raad", "wethouder",
    "burgemeester", "inwoners", "wijk", "overlast", "parkeren", "afval", "controle",
    "vergunning", "omgevingsplan", "bestemmingsplan", "bouw", "milieu", "jeugdhulp",
    "bijstand", "schuldhulp", "armoede", "zorg", "ondersteuning", "drugs", "witwassen",
    "ondermijning", "criminaliteit", "politie", "veiligheid", "samenwerking", "regio",
    "provincie", "ministerie", "subsidie", "begroting", "onderzoek", "rapport", "aanpak",
    "maatregel", "project", "pilot", "evaluatie", "bijeenkomst", "ondernemers", "horeca",
    "evenement", "festival", "markt", "centrum", "buitengebied", "woningbouw", "energie",
    "verkeer", "school", "sport", "cultuur", "digitalisering", "informatie", "besluit",
    "advies",
]
FILLER = [
    "de", "het", "een", "van", "in", "op", "met", "voor", "naar", "en", "dat", "die", "is",
    "zijn", "wordt", "worden", "heeft", "hebben",
]


def sentence(rng: random.Random) -> str:
    n = rng.randint(9, 18)
    words = [rng.choice(WORDS) if rng.random() < 0.55 else rng.choice(FILLER) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def make_feed(index: int, items: int) -> bytes:
    """One RSS 2.0 feed of ``items`` items (~28 KB for 20) with HTML descriptions."""
    rng = random.Random(index)
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<rss version="2.0"><channel>',
           f"<title>Farmfeed {index}</title><link>http://farm.test/{index}/</link>",
           "<description>Benchmarkfeed</description><language>nl</language>"]
    for j in range(items):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize()
        paras = "".join(
            f"<p>{' '.join(sentence(rng) for _ in range(rng.randint(2, 4)))}</p>"
            for _ in range(rng.randint(2, 4)))
        when = now - timedelta(hours=index % 48 + j * 7, minutes=rng.randint(0, 59))
        out.append(
            f"<item><title>{escape(title)}</title>"
            f"<link>http://farm.test/{index}/artikel-{j}.html?utm_source=rss</link>"
            f"<guid>farm-{index}-{j}</guid><pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(paras)}</description></item>")
    out.append("</channel></rss>")
    return "\n".join(out).encode()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    feeds = {}
    for i in range(args.feeds):
        body = make_feed(i, args.items)
        feeds[f"/feed/{i}.xml".encode()] = (body, hashlib.sha1(body).hexdigest()[:16].encode())

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                path = lines[0].split(b" ")[1].split(b"?")[0]
                inm = b""
                for line in lines[1:]:
                    if line[:14].lower() == b"if-none-match:":
                        inm = line[14:].strip().strip(b'"')
                await asyncio.sleep(args.latency)
                entry = feeds.get(path)
                if entry is None:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                elif inm == entry[1]:
                    writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "' + entry[1] + b'"\r\n\r\n')
                else:
                    body, etag = entry
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\n"
                        b'ETag: "' + etag + b'"\r\nContent-Length: ' + str(len(body)).encode()
                        + b"\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", args.port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
