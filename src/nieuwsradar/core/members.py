"""Facade part: members of the network and their subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nieuwsradar import search
from nieuwsradar.core.base import RadarBase
from nieuwsradar.digest.members_csv import (
    check_domains,
    check_email,
    check_searches,
    parse_members_csv,
)
from nieuwsradar.errors import InputError
from nieuwsradar.types import Member, Unsubscribe


@dataclass(frozen=True, slots=True)
class MemberImport:
    """What an import did; ``kept_unsubscribed`` left and were not signed up again."""

    added: int
    updated: int
    kept_unsubscribed: list[str]


def _search_problem(query: str) -> str | None:
    """Why a saved search cannot be used (Dutch), or None."""
    parsed = search.parse_query(query)
    if parsed.warnings:
        return "; ".join(parsed.warnings)
    return None


class MembersPart(RadarBase):
    """Add, import, list and remove members; change a subscription."""

    def import_members(self, data: bytes, name: str) -> MemberImport:
        """Import a member list (CSV, see :mod:`nieuwsradar.digest.members_csv`): every
        row is checked first; then all rows are stored in one transaction, or none.
        Re-importing updates members by e-mail; it never re-subscribes one who left."""
        rows = parse_members_csv(data, name, self.taxonomy().labels)
        errors = [f"{name} rij {row.line}, kolom zoekopdrachten: {query!r}: {problem}"
                  for row in rows for query in row.member.searches
                  if (problem := _search_problem(query))]
        if errors:
            raise InputError(f"niets geïmporteerd; {len(errors)} fout(en):\n" + "\n".join(errors))
        added, updated, kept = self._db.upsert_members([row.member for row in rows])
        return MemberImport(added, updated, kept)

    def add_member(self, email: str, *, name: str = "", organisation: str = "",
                   network: str = "", domains: Sequence[str] = (),
                   searches: Sequence[str] = (), note_when_empty: bool = False) -> Member:
        """Add a member or update one (by e-mail); a member who had unsubscribed is signed
        up again, because a coordinator asked for it explicitly."""
        member = self._checked_member(email, name, organisation, network, domains, searches,
                                      note_when_empty)
        db = self._db
        with db.transaction():
            db.upsert_members([member])
            stored = db.member_by_email(member.email)
            assert stored is not None
            db.activate_member(stored.id)
        found = db.member_by_email(member.email)
        assert found is not None
        return found

    def _checked_member(self, email: str, name: str, organisation: str, network: str,
                        domains: Sequence[str], searches: Sequence[str],
                        note_when_empty: bool) -> Member:
        try:
            address = check_email(email)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        chosen, saved = self._checked_choice(domains, searches)
        if not chosen and not saved:
            raise InputError("kies minstens één domein of zoekopdracht")
        return Member(email=address, name=name.strip(), organisation=organisation.strip(),
                      network=network.strip(), domains=chosen, searches=saved,
                      note_when_empty=note_when_empty)

    def _checked_choice(self, domains: Sequence[str], searches: Sequence[str]
                        ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Domains of the taxonomy and saved searches that parse; InputError otherwise."""
        try:
            chosen = check_domains(domains, self.taxonomy().labels)
            saved = check_searches(searches)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        for query in saved:
            if problem := _search_problem(query):
                raise InputError(f"zoekopdracht {query!r}: {problem}")
        return chosen, saved

    def members(self, *, active_only: bool = False) -> list[Member]:
        """Every member (or only those who receive the digest), by e-mail."""
        return self._db.members(active_only=active_only)

    def member(self, email: str) -> Member:
        """One member by e-mail; InputError when there is none."""
        found = self._db.member_by_email(email.strip())
        if found is None:
            raise InputError(f"geen lid met e-mailadres {email!r} (zie: nieuwsradar members "
                             "list)")
        return found

    def remove_member(self, email: str) -> Member:
        """Delete a member with their subscriptions and send history."""
        member = self.member(email)
        self._db.remove_member(member.id)
        return member

    def update_subscription(self, member_id: int, domains: Sequence[str],
                            searches: Sequence[str], note_when_empty: bool) -> Member:
        """Change what a member receives (their own page); an empty choice is allowed
        there: it means nothing until they choose again."""
        chosen, saved = self._checked_choice(domains, searches)
        self._db.set_subscription(member_id, chosen, saved, note_when_empty)
        found = self._db.member(member_id)
        assert found is not None
        return found

    def unsubscribes(self, limit: int = 100) -> list[Unsubscribe]:
        """The latest unsubscriptions (for coordinators)."""
        return self._db.unsubscribes(limit)
