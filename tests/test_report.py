"""The trend report: HTML and PDF (WeasyPrint) from a real database, via the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from nieuwsradar.cli import main
from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.trends import chart
from support.trend_history import WEEK, history


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "radar.db"
    with make_radar(Settings(db=path)) as radar:
        history(radar, rising="Aanpak illegale vakantieverhuur")
    return path


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_pdf_report_renders_pages_with_text_naming_the_top_topic(db: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "rapport.pdf"
    message = run(db, "report", "--since", "2026-10-26", "--until", "2026-11-01",
                  "--out", str(out))
    assert "2026-W44" in message and str(out) in message
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) >= 1
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Trendrapport" in text and "26 oktober 2026" in text
    assert "Aanpak illegale vakantieverhuur" in " ".join(text.split())
    assert "5 bronnen deze week" in " ".join(text.split())
    assert "pagina 1 van" in text


def test_html_report_has_charts_with_a_text_alternative(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapport.html"
    run(db, "report", "--since", "2026-10-26", "--until", "2026-11-01", "--out", str(out))
    html = out.read_text("utf-8")
    assert html.lstrip().startswith("<!doctype html>") and 'lang="nl"' in html
    assert "<svg" in html and 'role="img"' in html and "Bronnen per week" in html
    assert "Aanpak illegale vakantieverhuur" in html
    assert "<script" not in html


def test_report_refuses_other_file_types_and_bad_dates(db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(db), "report", "--since", "2026-10-26",
                                       "--out", str(tmp_path / "r.docx")])
    assert result.exit_code == 2 and ".pdf of .html" in result.output
    result = CliRunner().invoke(main, ["--db", str(db), "report", "--since", "26-10-2026",
                                       "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "--since" in result.output
    assert not (tmp_path / "r.pdf").exists()


def test_trends_command_text_and_json(db: Path) -> None:
    text = run(db, "trends", "--week", "2026-W44", "--limit", "3")
    assert "Trends 2026-W44" in text and "Aanpak illegale vakantieverhuur [nieuw]" in text
    assert "5 bronnen deze week" in text
    data = json.loads(run(db, "trends", "--week", "2026-W44", "--domain", "handhaving",
                          "--json"))
    assert [d["domain"] for d in data] == ["handhaving"]
    (top, *_) = data[0]["topics"]
    assert {"topic", "score", "count", "baseline", "sources", "items"} <= set(top)
    assert top["topic"] == "Aanpak illegale vakantieverhuur" and top["count"] == 5
    assert top["sources"] == 5 and top["baseline"] == 0 and len(top["items"]) == 5
    assert top["series"][-1] == {"week": "2026-W44", "sources": 5}
    overall = json.loads(run(db, "trends", "--since", str(WEEK), "--until", str(WEEK),
                             "--json"))
    assert overall[0]["domain"] == "alle" and overall[0]["topics"][0]["count"] == 5


def test_trends_command_errors_are_one_line(db: Path) -> None:
    for args, expected in ((["--week", "49"], "2026-W49"),
                           (["--week", "2026-W44", "--since", "2026-10-01"], "niet allebei"),
                           (["--network", "M150"], "netwerk 'M150' heeft geen actieve leden")):
        result = CliRunner().invoke(main, ["--db", str(db), "trends", *args])
        assert result.exit_code != 0 and expected in result.output, result.output


@pytest.mark.parametrize(("args", "expected"), [
    (["trends", "--domain", "xyz"],
     "Error: onbekend domein 'xyz'; kies uit: handhaving, ondermijning, sociaal domein, "
     "omgevingswet"),
    (["trends", "--since", "2026-10-26", "--until", "2026-10-01"],
     "Error: de periode eindigt (2026-10-01) voordat ze begint (2026-10-26); kies een "
     "einddatum op of na de begindatum"),
    (["report", "--since", "2026-10-26", "--until", "2026-10-01", "--out", "r.html"],
     "Error: de periode eindigt (2026-10-01) voordat ze begint (2026-10-26)"),
])
def test_trends_and_report_refuse_bad_values_in_dutch(db: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      args: list[str], expected: str) -> None:
    """A bad domain or period is named in one Dutch line (exit code 1), and the valid
    domains come from the taxonomy (regression: the message was English)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().startswith(expected), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


def test_chart_geometry_and_description() -> None:
    drawn = chart.chart([(WEEK, 0), (WEEK.replace(day=27), 4)], width=20, height=10)
    assert [(b.height, b.current) for b in drawn.bars] == [(0, False), (8, True)]
    assert drawn.bars[1].x == 10 and drawn.bars[1].y == 1
    assert "hoogste 4" in drawn.label and chart.describe([]) == "Geen gegevens."
