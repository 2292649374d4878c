"""Benchmark: build and send the weekly digests of 1,000 members to a local SMTP server.

A fresh database gets one week of news (``--items`` items over the four domains, some of
them stories carried by several sources) and ``--members`` members with varied
subscriptions (one to four domains; a third of them one or two saved searches from a set
of twelve). Then ``Radar.send_digests`` runs exactly as ``nieuwsradar digest send`` does:
rank the week once, pick each member's stories, run each distinct saved search once,
render (Jinja2, css-inline), and deliver over one STARTTLS+AUTH connection to an aiosmtpd
server in a process of its own, with the send log written around every message. The send rate
is unlimited here (a real Exchange Online mailbox allows 30 a minute).

Targets (issue 8): 1,000 members in at most 30 s in total, peak memory at most 500 MB.

    uv run python bench/digest.py [--members 1000] [--items 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.digest.week import Week
from nieuwsradar.storage import open_storage
from nieuwsradar.types import Member
from support.digest_data import DOMAINS, seed_week
from support.smtpd import free_port, make_certificate

SMTPD = Path(__file__).resolve().parents[1] / "tests" / "support" / "smtpd.py"
SEARCHES = ("bodycam", "drugslab", "witwassen", '"last onder dwangsom"', "jeugdzorg",
            "omgevingsplan", "schuldhulp", "vergunning*", "Wmo", "RIEC", "handhavers -politie",
            '"Wet kwaliteitsborging"')


def members(count: int, rng: random.Random) -> list[Member]:
    """``count`` members with one to four domains; a third with saved searches."""
    out = []
    for n in range(count):
        domains = tuple(rng.sample(DOMAINS, rng.randint(1, 4)))
        searches = tuple(rng.sample(SEARCHES, rng.randint(1, 2))) if n % 3 == 0 else ()
        out.append(Member(email=f"lid{n:04d}@gemeente{n % 40}.example", name=f"Lid {n}",
                          organisation=f"Gemeente {n % 40}", network="M150" if n % 2 else "G40",
                          domains=domains, searches=searches))
    return out


def run_once(folder: Path, n_members: int, n_items: int,
             week: Week) -> tuple[float, float, int]:
    """One run on a fresh database; returns (seconds, CPU seconds of this process,
    messages received)."""
    db = folder / f"bench-{time.monotonic_ns()}.db"
    seed_week(db, per_domain=n_items // len(DOMAINS), week=week)
    with open_storage(db) as store:
        store.upsert_members(members(n_members, random.Random(7)))
    cert = make_certificate(folder)
    os.environ["SSL_CERT_FILE"] = str(cert.cert)
    port = free_port()
    server = subprocess.Popen([sys.executable, str(SMTPD), str(cert.cert), str(cert.key),
                               str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    settings = Settings.from_env(
        {}, db=db, smtp_host="localhost", smtp_port=port, smtp_security="starttls",
        smtp_user="radar", smtp_password="geheim", send_rate=0,
        mail_from="M150 Nieuwsradar <radar@m150.example>",
        base_url="https://radar.example.nl", secret_key="b" * 32)
    with make_radar(settings) as radar:
        start, cpu = time.perf_counter(), time.process_time()
        report = radar.send_digests(week)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    count, server_cpu = server.communicate("", timeout=60)[0].split()
    received = int(count)
    print(f"  the SMTP server process used {float(server_cpu):.2f} s of CPU", flush=True)
    if report.stopped or report.counts.get("sent") != received:
        raise SystemExit(f"run failed: {report.counts} {report.stopped}")
    return elapsed, cpu, received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    week = Week.parse("2026-W49")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(1, args.runs + 1):
            elapsed, cpu, sent = run_once(Path(tmp), args.members, args.items, week)
            times.append(elapsed)
            print(f"run {run}: {sent} digests built and sent in {elapsed:.2f} s "
                  f"({sent / elapsed:.0f}/s, {1000 * elapsed / sent:.1f} ms each); "
                  f"this process used {cpu:.2f} s of CPU", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"median {statistics.median(times):.2f} s for {args.members} members, "
          f"{args.items} items; peak memory of this process (the SMTP server runs apart) "
          f"{peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
