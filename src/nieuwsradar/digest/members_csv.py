"""Reading a member list (CSV) and checking member input. Pure: no database.

The file has the header ``email,naam,organisatie,netwerk,domeinen,zoekopdrachten``;
several domains or searches in one cell are separated by ``;``. Every row is checked
before anything is stored, and every problem names its row (the line in the file) and
column, so a coordinator can fix the spreadsheet in one go.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from nieuwsradar.errors import InputError
from nieuwsradar.types import Member

HEADER = ("email", "naam", "organisatie", "netwerk", "domeinen", "zoekopdrachten")
MAX_ERRORS = 20
MAX_SEARCH_CHARS = 200
_EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[a-zA-Z]{2,}$")


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A checked row: its line in the file and the member it describes."""

    line: int
    member: Member


def check_email(value: str) -> str:
    """The address, trimmed and lower-cased; ValueError in Dutch when it is not one."""
    email = value.strip().lower()
    if not _EMAIL_RE.match(email):
        raise ValueError(f"{value!r} is geen e-mailadres (zoals naam@gemeente.nl)")
    return email


def check_domains(values: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    """Domain names as stored (``Sociaal-Domein`` → ``sociaal domein``); ValueError naming
    an unknown one and the choices."""
    by_key = {d.replace(" ", "-"): d for d in known}
    out: list[str] = []
    for value in values:
        key = "-".join(value.strip().lower().replace("_", " ").split())
        if not key:
            continue
        if key not in by_key:
            raise ValueError(f"onbekend domein {value.strip()!r}; kies uit "
                             f"{', '.join(known)}")
        if by_key[key] not in out:
            out.append(by_key[key])
    return tuple(out)


def check_searches(values: Sequence[str]) -> tuple[str, ...]:
    """Saved searches, trimmed, empty ones dropped; ValueError when one is too long."""
    out: list[str] = []
    for value in values:
        query = " ".join(value.split())
        if len(query) > MAX_SEARCH_CHARS:
            raise ValueError(f"zoekopdracht is langer dan {MAX_SEARCH_CHARS} tekens")
        if query and query not in out:
            out.append(query)
    return tuple(out)


def _split(cell: str) -> list[str]:
    return [part for part in cell.split(";") if part.strip()]


def parse_members_csv(data: bytes, name: str, known_domains: Sequence[str]) -> list[MemberRow]:
    """Check every row of a member list; InputError listing every problem (``name`` rij N,
    kolom X: ...) when there is any, else the rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise InputError(f"{name}: het bestand is leeg; de eerste regel moet zijn: "
                         f"{','.join(HEADER)}")
    columns = [h.strip().lower() for h in header]
    if columns != list(HEADER):
        hint = (" (het lijkt met ; gescheiden: sla op als CSV met komma's)"
                if len(columns) == 1 and ";" in columns[0] else "")
        raise InputError(f"{name} rij 1: de kopregel moet precies zijn: {','.join(HEADER)}; "
                         f"gevonden: {','.join(columns)}{hint}")
    rows: list[MemberRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(HEADER):
            errors.append(f"{name} rij {line}: {len(cells)} kolommen, verwacht {len(HEADER)} "
                          "(staat er een komma in een naam? zet die tussen aanhalingstekens)")
            continue
        values = dict(zip(HEADER, cells, strict=True))

        def problem(column: str, message: str, _line: int = line) -> None:
            errors.append(f"{name} rij {_line}, kolom {column}: {message}")

        try:
            email = check_email(values["email"])
        except ValueError as exc:
            problem("email", str(exc))
            email = ""
        if email and email in seen:
            problem("email", f"{email} staat ook al in rij {seen[email]}")
        elif email:
            seen[email] = line
        before = len(errors)
        try:
            domains = check_domains(_split(values["domeinen"]), known_domains)
        except ValueError as exc:
            problem("domeinen", str(exc))
            domains = ()
        try:
            searches = check_searches(_split(values["zoekopdrachten"]))
        except ValueError as exc:
            problem("zoekopdrachten", str(exc))
            searches = ()
        if len(errors) == before and not domains and not searches:
            problem("domeinen", "kies minstens één domein of zoekopdracht")
        rows.append(MemberRow(line, Member(
            email=email, name=values["naam"].strip(), organisation=values["organisatie"].strip(),
            network=values["netwerk"].strip(), domains=domains, searches=searches)))
    if errors:
        shown = errors[:MAX_ERRORS]
        more = len(errors) - len(shown)
        tail = f"\n... en nog {more} fouten" if more else ""
        raise InputError(f"niets geïmporteerd; {len(errors)} fout(en):\n"
                         + "\n".join(shown) + tail)
    if not rows:
        raise InputError(f"{name}: geen leden gevonden onder de kopregel")
    return rows
