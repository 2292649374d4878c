"""The demo data holds stories that really rise in its last week, and the demo shows them."""

from __future__ import annotations

from pathlib import Path

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.demo import run_demo
from nieuwsradar.trends import week_label


def test_the_demo_prints_the_topics_that_rise_in_its_last_week(tmp_path: Path) -> None:
    lines: list[str] = []
    run_demo(tmp_path / "demo.db", serve=False, echo=lines.append)
    out = "\n".join(lines)
    assert "Trends in 2026-W47 (vergeleken met de 12 weken ervoor):" in out
    with make_radar(Settings(db=tmp_path / "demo.db")) as radar:
        week = radar.latest_week()
        assert week is not None and week_label(week) == "2026-W47"
        report = radar.trends(week=week, limit=10)
    overall = {t.topic.lower(): t for t in report.domains[0].topics}
    for topic in ("fatbikes", "damocles", "illegale vakantieverhuur"):
        assert topic in overall, f"{topic} does not rise in the demo data: {sorted(overall)}"
        trend = overall[topic]
        assert trend.sources >= 4 and 0 < trend.baseline < 1 and not trend.new
        assert len(trend.items) >= 4 and sum(n for _, n in trend.series[:-1]) >= 1
