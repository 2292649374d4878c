"""Classifier commands: ``classify``, ``train`` and ``evaluate``.

Thin wrappers over :mod:`nieuwsradar.classify`. ``classify`` and ``evaluate`` need no
database; ``train`` adds the human labels of the database given by the global ``--db``
when that file exists. The classifier package (numpy) and rich are imported when a
command runs, not when the CLI starts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click

from nieuwsradar.cli.radar import open_radar
from nieuwsradar.errors import InputError, NieuwsradarError

# The variables of nieuwsradar.classify.paths (MODEL_ENV, TOPICS_ENV), named here so that
# the help needs no import of the classifier; tests/test_cli_startup.py checks they agree.
MODEL_ENV = "NIEUWSRADAR_MODEL"
TOPICS_ENV = "NIEUWSRADAR_TOPICS"


def _model_option(func: Any) -> Any:
    return click.option(
        "--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help=f"Modelbestand (standaard ${MODEL_ENV} of het meegeleverde model).",
    )(func)


def _input_name(handle: IO[bytes]) -> str:
    name = getattr(handle, "name", "-")
    return "<stdin>" if name in ("-", "<stdin>") else str(name)


def _records(handle: IO[bytes], *, labelled: bool) -> list[dict[str, Any]]:
    """All validated records of a JSONL input; the first bad line raises InputError."""
    from nieuwsradar.classify import iter_jsonl

    return list(iter_jsonl(handle, _input_name(handle), labelled=labelled))


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the package's errors into click errors (message on stderr, exit code 1)."""
    try:
        yield
    except NieuwsradarError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("classify")
@click.option("--input", "input_file", type=click.File("rb"), required=True,
              help="JSON Lines (UTF-8) met id, title en text per regel (- voor stdin).")
@_model_option
def classify_cmd(input_file: IO[bytes], model_path: Path | None) -> None:
    """Classificeer items uit JSON Lines; schrijft per item id, labels en scores."""
    from nieuwsradar.classify import default_model_path, item_text, load_model

    with _errors():
        records = _records(input_file, labelled=False)
        model = load_model(model_path or default_model_path())
        predictions = model.predict([item_text(r["title"], r["text"]) for r in records])
    sys.stdout.write("".join(
        json.dumps({"id": record["id"], "labels": list(prediction.labels),
                    "scores": {k: round(v, 4) for k, v in prediction.scores.items()}},
                   ensure_ascii=False) + "\n"
        for record, prediction in zip(records, predictions, strict=True)))


@click.command("train")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Waar het model komt (standaard $NIEUWSRADAR_MODEL of het meegeleverde "
                   "model).")
@click.option("--corpus", type=click.Path(exists=True, path_type=Path), default=None,
              help="Map met *.jsonl of één JSONL-bestand (standaard data/training).")
@click.option("--topics", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Taxonomie (standaard ${TOPICS_ENV} of de meegeleverde topics.toml).")
@click.option("--held-out", "held_out_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Corpusbestand om apart te toetsen: een model zonder dit bestand wordt erop "
                   "gemeten (herhaalbaar; de cijfers komen in de samenvatting).")
@click.pass_context
def train_cmd(ctx: click.Context, output: Path | None, corpus: Path | None,
              topics: Path | None, held_out_files: tuple[Path, ...]) -> None:
    """Train het domeinmodel op het corpus en de menselijke labels uit de database."""
    from nieuwsradar.classify import (
        DEFAULT_CORPUS,
        check_labels,
        default_model_path,
        default_topics_path,
        examples_from_dicts,
        held_out,
        load_corpus,
        load_taxonomy,
        merge_examples,
        train_model,
    )
    from nieuwsradar.core import human_examples

    output = output or default_model_path()
    with _errors():
        taxonomy = load_taxonomy(topics or default_topics_path())
        examples = load_corpus([corpus or DEFAULT_CORPUS])
        db = (ctx.obj or {}).get("db")
        human = []
        if isinstance(db, Path) and db.is_file():
            human = examples_from_dicts(human_examples(db), origin=f"database {db}")
        examples = check_labels(merge_examples(examples, human), taxonomy)
        click.echo(f"{len(examples)} voorbeelden ({len(human)} menselijke labels), "
                   f"{len(taxonomy.labels)} labels; trainen met 5-voudige kruisvalidatie ...",
                   err=True)
        model, report = train_model(examples, taxonomy, n_human=len(human))
        summary = report.summary()
        for path in held_out_files:
            click.echo(f"apart toetsen op {path.name} ...", err=True)
            inside = {ex.id for ex in examples if _origin_file(ex.origin) == path.resolve()}
            reports = held_out(examples, taxonomy, inside)
            summary.setdefault("held_out", {})[path.name] = {
                form: r.to_dict() for form, r in reports.items()}
        model.save(output)
        output.with_suffix(".json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for form, title in (("full", "volledige tekst"), ("feed", "feedlengte"),
                        ("title", "alleen titel")):
        _print_metrics(report.cv[form].to_dict(),
                       title=f"Kruisvalidatie ({report.cv_folds} folds), {title}")
    click.echo("Drempels (lange / korte tekst): " + ", ".join(
        f"{label} {report.thresholds[label]:.2f} / {report.short_thresholds[label]:.2f}"
        for label in report.thresholds))
    click.echo(f"Model {report.version} opgeslagen in {output} ({report.elapsed_s:.1f} s).")


def _origin_file(origin: str) -> Path | None:
    """The corpus file of an example's "file:line" origin (None for database labels)."""
    file, _, line = origin.rpartition(":")
    return Path(file).resolve() if file and line.isdigit() else None


@click.command("evaluate")
@click.option("--input", "input_file", type=click.File("rb"), required=True,
              help="Gelabelde JSON Lines (UTF-8: id, title, text, labels); - voor stdin.")
@_model_option
@click.option("--json", "as_json", is_flag=True, help="JSON in plaats van een tabel.")
def evaluate_cmd(input_file: IO[bytes], model_path: Path | None, as_json: bool) -> None:
    """Meet precisie, recall en F1 per label van het model op gelabelde items."""
    from nieuwsradar.classify import Example, default_model_path, evaluate, load_model

    with _errors():
        records = _records(input_file, labelled=True)
        model = load_model(model_path or default_model_path())
        none_label = str(model.info.get("none_label", "overig"))
        for record in records:
            unknown = sorted(set(record["labels"]) - set(model.labels) - {none_label})
            if unknown:
                raise InputError(f"{_input_name(input_file)}:{record['_line']}: label(s) "
                                 f"{', '.join(unknown)} unknown to model {model.version} "
                                 f"(knows {', '.join(model.labels)})")
        examples = [Example(str(r["id"]), r["title"], r["text"], tuple(r["labels"]))
                    for r in records]
        report = evaluate(model, examples).to_dict()
    report["model_version"] = model.version
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_metrics(report, title=f"Model {model.version} op {report['n_examples']} items")


def _rows(report: dict[str, Any]) -> Iterator[tuple[str, ...]]:
    for label, m in report["labels"].items():
        yield (label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
               str(m["support"]))


def _print_metrics(report: dict[str, Any], *, title: str,
                   thresholds: dict[str, float] | None = None) -> None:
    """A table of per-label precision/recall/F1 with micro and macro lines."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("label", "precisie", "recall", "F1", "aantal"):
        table.add_column(column, justify="left" if column == "label" else "right")
    if thresholds:
        table.add_column("drempel", justify="right")
    for row in _rows(report):
        extra = (f"{thresholds[row[0]]:.2f}",) if thresholds else ()
        table.add_row(*row, *extra)
    micro = report["micro"]
    table.add_row("micro", f"{micro['precision']:.3f}", f"{micro['recall']:.3f}",
                  f"{micro['f1']:.3f}", "", *([""] if thresholds else []))
    table.add_row("macro F1", "", "", f"{report['macro_f1']:.3f}", "",
                  *([""] if thresholds else []))
    Console(width=100).print(table)


@click.command("review")
@click.option("--days", type=click.IntRange(1, 365), default=14, show_default=True,
              help="Items van de laatste zoveel dagen.")
@click.option("--limit", type=click.IntRange(1, 1000), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON-uitvoer.")
@click.pass_context
def review_cmd(ctx: click.Context, days: int, limit: int, as_json: bool) -> None:
    """Twijfelgevallen: recente items waar het model het minst zeker is of de bron tegenspreekt.

    Bevestig of corrigeer ze met `nieuwsradar label`; de volgende `train` leert ervan.
    """
    from rich.console import Console
    from rich.table import Table


    radar = open_radar(ctx, existing=True)
    with _errors():
        cases = radar.review_queue(days=days, limit=limit)
        none_label = radar.none_label()
    if as_json:
        click.echo(json.dumps([
            {"id": c.item.id, "title": c.item.title, "source": c.item.source_name,
             "published_at": c.item.published_at.isoformat(), "predicted": list(c.predicted),
             "scores": {k: round(v, 4) for k, v in c.scores.items()},
             "source_domains": list(c.source_domains), "margin": round(c.margin, 4),
             "disagrees": c.disagrees} for c in cases], ensure_ascii=False, indent=2))
        return
    if not cases:
        click.echo("Geen twijfelgevallen.")
        return
    table = Table(title=f"Twijfelgevallen (laatste {days} dagen)")
    for column in ("id", "titel", "model", "bron", "marge"):
        table.add_column(column, justify="right" if column in ("id", "marge") else "left")
    for case in cases:
        table.add_row(str(case.item.id), case.item.title[:60],
                      ", ".join(case.predicted) or none_label,
                      ", ".join(case.source_domains) + (" (oneens)" if case.disagrees else ""),
                      f"{case.margin:.2f}")
    Console(width=120).print(table)
