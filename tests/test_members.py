"""Members: CSV import (all or nothing, errors name row and column), add, list, remove."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from nieuwsradar.cli import main
from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.errors import InputError

GOOD = """email,naam,organisatie,netwerk,domeinen,zoekopdrachten
anne@utrecht.nl,Anne de Vries,Gemeente Utrecht,G40,handhaving;ondermijning,bodycam
Bert@Tilburg.nl,"Bert, Jansen",Gemeente Tilburg,G40,sociaal-domein,"""
""


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "r.db"), *args])
    return result.exit_code, result.output


def test_import_adds_then_updates_by_email(tmp_path: Path) -> None:
    csv = tmp_path / "leden.csv"
    csv.write_text(GOOD + "\n", encoding="utf-8")
    code, out = run(tmp_path, "members", "import", str(csv))
    assert code == 0, out
    assert "2 leden toegevoegd, 0 bijgewerkt" in out
    csv.write_text(GOOD.replace("Gemeente Tilburg", "Tilburg") + "\n", encoding="utf-8")
    code, out = run(tmp_path, "members", "import", str(csv))
    assert "0 leden toegevoegd, 2 bijgewerkt" in out
    code, out = run(tmp_path, "members", "list", "--json")
    members = {m["email"]: m for m in json.loads(out)}
    assert set(members) == {"anne@utrecht.nl", "bert@tilburg.nl"}
    assert members["bert@tilburg.nl"]["organisation"] == "Tilburg"
    assert members["bert@tilburg.nl"]["name"] == "Bert, Jansen"
    assert members["bert@tilburg.nl"]["domains"] == ["sociaal domein"]
    assert members["anne@utrecht.nl"]["searches"] == ["bodycam"]


def test_import_with_errors_imports_nothing_and_names_row_and_column(tmp_path: Path) -> None:
    csv = tmp_path / "leden.csv"
    csv.write_text(GOOD + "\ngeen-adres,X,,,handhaving,\nc@d.nl,C,,,verkeer,\n"
                   "anne@utrecht.nl,dubbel,,,handhaving,\n", encoding="utf-8")
    code, out = run(tmp_path, "members", "import", str(csv))
    assert code == 1
    assert "niets geïmporteerd; 3 fout(en)" in out
    assert f"{csv} rij 4, kolom email: 'geen-adres' is geen e-mailadres" in out
    assert f"{csv} rij 5, kolom domeinen: onbekend domein 'verkeer'" in out
    assert f"{csv} rij 6, kolom email: anne@utrecht.nl staat ook al in rij 2" in out
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("SELECT count(*) FROM members").fetchone()[0] == 0


def test_bad_header_and_semicolon_file_say_what_to_do(tmp_path: Path) -> None:
    csv = tmp_path / "excel.csv"
    csv.write_text("email;naam;organisatie;netwerk;domeinen;zoekopdrachten\n", encoding="utf-8")
    code, out = run(tmp_path, "members", "import", str(csv))
    assert code == 1
    assert "rij 1: de kopregel moet precies zijn" in out and "komma's" in out


def test_failure_inside_the_transaction_rolls_back_every_row(tmp_path: Path) -> None:
    """All or nothing also when the database refuses a row half-way (a trigger here)."""
    db = tmp_path / "r.db"
    with make_radar(Settings(db=db)) as radar:
        radar._db._conn.execute(
            "CREATE TRIGGER no_bert BEFORE INSERT ON members WHEN NEW.email LIKE 'bert%' "
            "BEGIN SELECT RAISE(ABORT, 'geweigerd'); END")
        with pytest.raises(Exception, match="geweigerd"):
            radar.import_members(GOOD.encode(), "leden.csv")
        assert radar.members() == []


def test_reimport_never_resubscribes_and_add_does(tmp_path: Path) -> None:
    with make_radar(Settings(db=tmp_path / "r.db")) as radar:
        radar.import_members(GOOD.encode(), "leden.csv")
        anne = radar.member("anne@utrecht.nl")
        assert radar.unsubscribe(anne.id, "one-click") is True
        assert radar.unsubscribe(anne.id, "one-click") is False
        result = radar.import_members(GOOD.encode(), "leden.csv")
        assert result.kept_unsubscribed == ["anne@utrecht.nl"]
        assert not radar.member("anne@utrecht.nl").active
        assert [u.email for u in radar.unsubscribes()] == ["anne@utrecht.nl"]
        again = radar.add_member("ANNE@utrecht.nl", domains=["handhaving"])
        assert again.active and again.domains == ("handhaving",)


def test_add_and_remove_from_the_cli(tmp_path: Path) -> None:
    code, out = run(tmp_path, "members", "add", "c@gemeente.nl", "--naam", "C",
                    "--domein", "omgevingswet", "--zoekopdracht", '"Wet kwaliteitsborging"')
    assert code == 0, out
    code, out = run(tmp_path, "members", "add", "d@gemeente.nl")
    assert code == 1 and "kies minstens één domein of zoekopdracht" in out
    code, out = run(tmp_path, "members", "add", "e@gemeente.nl", "--zoekopdracht",
                    "x sinds:gisteren")
    assert code == 1 and "zoekopdracht" in out
    code, out = run(tmp_path, "members", "remove", "c@gemeente.nl")
    assert code == 0 and "verwijderd" in out
    code, out = run(tmp_path, "members", "remove", "c@gemeente.nl")
    assert code == 1 and "geen lid met e-mailadres" in out


def test_member_input_errors_are_input_errors(tmp_path: Path) -> None:
    with make_radar(Settings(db=tmp_path / "r.db")) as radar, pytest.raises(InputError):
        radar.add_member("niet-goed", domains=["handhaving"])
