"""The classify, train and evaluate commands through the real click entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nieuwsradar.classify import Example, load_model, train_model
from nieuwsradar.cli import main
from test_classify import LABELS, TAXONOMY, make_examples


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model, _ = train_model(make_examples(), TAXONOMY, cv_folds=3, seed=0)
    return model.save(tmp_path_factory.mktemp("model") / "m.npz")


def _jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def _run(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_classify_writes_one_json_line_per_item(model_path: Path, tmp_path: Path) -> None:
    items = [
        {"id": "a", "title": "Drugslab opgerold", "text": "Witwassen, Bibob en RIEC."},
        {"id": 2, "title": "Leeg", "text": ""},
        {"id": "long", "title": "Lang", "text": "boa handhavers overlast " * 20000},
        {"id": "en", "title": "Weather", "text": "Sunny weather expected in London today."},
        {"id": "zh", "title": "天气", "text": "今天天气很好。"},
    ]
    code, out, err = _run(["classify", "--input", str(_jsonl(tmp_path / "in.jsonl", items)),
                           "--model", str(model_path)])
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", 2, "long", "en", "zh"]
    assert rows[0]["labels"] == ["ondermijning"]
    assert "handhaving" in rows[2]["labels"]
    assert rows[3]["labels"] == rows[4]["labels"] == []
    for row in rows:
        assert set(row["scores"]) == set(LABELS)
        assert all(0.0 <= s <= 1.0 for s in row["scores"].values())


def test_classify_reads_stdin_and_uses_the_model_env(
    model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIEUWSRADAR_MODEL", str(model_path))
    line = json.dumps({"id": "x", "title": "Omgevingsplan vastgesteld",
                       "text": "De Omgevingswet en het DSO."})
    code, out, err = _run(["classify", "--input", "-"], stdin=line + "\n\n")
    assert code == 0, err
    assert json.loads(out)["labels"] == ["omgevingswet"]


@pytest.mark.parametrize(("bad", "message"), [
    ("{not json", "not valid JSON"),
    ('{"id": "x", "text": "t"}', "missing field 'title'"),
    ('{"id": "x", "title": "t", "text": 5}', "field 'text' must be a string"),
    ('{"id": null, "title": "t", "text": ""}', "field 'id' must be a string or an integer"),
])
def test_classify_rejects_a_malformed_line_without_partial_output(
    model_path: Path, tmp_path: Path, bad: str, message: str
) -> None:
    good = json.dumps({"id": "ok", "title": "t", "text": "x"})
    source = tmp_path / "in.jsonl"
    source.write_text(f"{good}\n{good}\n{bad}\n{good}\n", encoding="utf-8")
    code, out, err = _run(["classify", "--input", str(source), "--model", str(model_path)])
    assert code == 1
    assert out == ""
    assert f"{source}:3: {message}" in err


GOOD = json.dumps({"id": "ok", "title": "t", "text": "x", "labels": []}).encode()


@pytest.mark.parametrize("command", ["classify", "evaluate"])
@pytest.mark.parametrize(("bad", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text (byte 0x89 at column 1)"),
    ('{"id": "1", "title": "Caf\u00e9", "text": "", "labels": []}'.encode("latin-1"),
     "not UTF-8 text (byte 0xe9 at column 26)"),
    (b"[" * 100_000 + b"]" * 100_000, "JSON nested more than 32 levels deep"),
    (b'{"id": ' + b"7" * 5000 + b', "title": "t", "text": "", "labels": []}',
     "not valid JSON (a number too long to read)"),
    (b'{"id": ' + b"7" * 40 + b', "title": "t", "text": "", "labels": []}',
     "field 'id' is a number of more than 30 digits"),
    (b'{"id": "a\\ud800b", "title": "t", "text": "", "labels": []}',
     "field 'id' holds an invalid character (a lone surrogate \\ud800 at position 2)"),
    (b'{"id": "a", "title": "t", "text": "", "labels": ["\\udfff"]}',
     "field 'labels' holds an invalid character"),
])
def test_unreadable_input_is_a_one_line_error_naming_file_and_line(
    model_path: Path, tmp_path: Path, command: str, bad: bytes, message: str
) -> None:
    """Binary, Latin-1, deeply nested, overlong numbers, lone surrogates: exit 1 with one
    line "Error: file:line: problem", nothing on stdout."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(GOOD + b"\n" + bad + b"\n" + GOOD + b"\n")
    code, out, err = _run([command, "--input", str(source), "--model", str(model_path)])
    if command == "classify" and "'labels'" in message:  # classify ignores labels
        assert code == 0 and out.count("\n") == 3, err
        return
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("Error: "), err
    assert f"{source}:2: {message}" in err


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(st.binary(max_size=40), st.just(GOOD), st.just(b"{"),
                       st.just(b'{"id": "\\udc80", "title": "", "text": "", "labels": []}'),
                       st.just(b'{"id": 1, "title": "t", "text": "x", "labels": ["sport"]}')),
             max_size=6).map(b"\n".join)))
def test_classify_and_evaluate_raise_only_clear_errors_on_arbitrary_bytes(
    model_path: Path, tmp_path: Path, data: bytes
) -> None:
    source = tmp_path / "fuzz.jsonl"
    source.write_bytes(data)
    for args in (["classify"], ["evaluate", "--json"]):
        command = args[0]
        result = CliRunner().invoke(main, [*args, "--input", str(source), "--model",
                                           str(model_path)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            command, data, result.exception)
        assert result.exit_code in (0, 1), (command, result.output)
        if result.exit_code == 1:
            assert result.stderr.count("\n") == 1, result.stderr
            assert result.stderr.startswith(f"Error: {source}:"), result.stderr


def test_classify_without_a_model_says_to_train(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "in.jsonl", [{"id": "1", "title": "t", "text": ""}])
    code, out, err = _run(["classify", "--input", str(source), "--model",
                           str(tmp_path / "missing.npz")])
    assert code == 1 and out == ""
    assert "not found" in err and "nieuwsradar train" in err


def test_evaluate_prints_metrics_as_table_and_json(model_path: Path, tmp_path: Path) -> None:
    records = [{"id": e.id, "title": e.title, "text": e.text,
                "labels": list(e.labels) or ["overig"]} for e in make_examples(3, seed=42)]
    source = _jsonl(tmp_path / "dev.jsonl", records)
    code, out, err = _run(["evaluate", "--input", str(source), "--model", str(model_path),
                           "--json"])
    assert code == 0, err
    report = json.loads(out)
    assert report["n_examples"] == len(records)
    assert set(report["labels"]) == set(LABELS)
    assert report["macro_f1"] > 0.9
    assert report["model_version"] == load_model(model_path).version
    code, out, _ = _run(["evaluate", "--input", str(source), "--model", str(model_path)])
    assert code == 0
    assert "macro F1" in out and "ondermijning" in out


def test_evaluate_rejects_labels_the_model_does_not_know(model_path: Path,
                                                         tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "dev.jsonl", [
        {"id": "1", "title": "t", "text": "x", "labels": ["handhaving"]},
        {"id": "2", "title": "t", "text": "x", "labels": ["sport"]},
    ])
    code, _, err = _run(["evaluate", "--input", str(source), "--model", str(model_path)])
    assert code == 1
    assert f"{source}:2: label(s) sport unknown" in err


def _write_corpus(directory: Path, examples: list[Example]) -> Path:
    directory.mkdir()
    _jsonl(directory / "part-x.jsonl", [
        {"id": e.id, "title": e.title, "text": e.text, "labels": list(e.labels)}
        for e in examples])
    return directory


def test_train_writes_model_and_metadata(tmp_path: Path) -> None:
    corpus = _write_corpus(tmp_path / "corpus", make_examples(6))
    output = tmp_path / "models" / "m.npz"
    code, out, err = _run(["--db", str(tmp_path / "absent.db"), "train", "--corpus", str(corpus),
                           "--output", str(output)])
    assert code == 0, err
    assert "macro F1" in out and "opgeslagen" in out
    model = load_model(output)
    assert model.labels == LABELS
    summary = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["version"] == model.version
    assert summary["n_examples"] == len(make_examples(6))
    assert set(summary["cv"]["full"]["labels"]) == set(LABELS)
    assert set(summary["cv"]) >= {"full", "feed", "title"}
    assert summary["calibration"]["feed"]["brier"] < 0.25


def test_train_reports_labels_missing_from_the_taxonomy(tmp_path: Path) -> None:
    examples = [*make_examples(6), Example("oo", "Rellen", "ME", ("openbare orde",))]
    corpus = _write_corpus(tmp_path / "corpus", examples)
    code, _, err = _run(["--db", str(tmp_path / "none.db"), "train", "--corpus", str(corpus),
                         "--output", str(tmp_path / "m.npz")])
    assert code == 1
    assert "'openbare orde' (1x, first at" in err and "topics.toml" in err
    assert not (tmp_path / "m.npz").exists()


def test_train_held_out_reports_a_corpus_file_by_form(tmp_path: Path) -> None:
    """--held-out FILE: a model trained without FILE is measured on it, in each form."""
    corpus = _write_corpus(tmp_path / "corpus", make_examples(6))
    _jsonl(corpus / "part-y.jsonl", [
        {"id": f"y-{e.id}", "title": e.title, "text": e.text, "labels": list(e.labels)}
        for e in make_examples(3, seed=8)])
    output = tmp_path / "m.npz"
    code, _, err = _run(["--db", str(tmp_path / "absent.db"), "train", "--corpus", str(corpus),
                         "--output", str(output), "--held-out", str(corpus / "part-y.jsonl")])
    assert code == 0, err
    summary = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
    held = summary["held_out"]["part-y.jsonl"]
    assert set(held) == {"full", "feed", "title"}
    assert held["full"]["n_examples"] == len(make_examples(3))
    assert held["full"]["macro_f1"] > 0.8
