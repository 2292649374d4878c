"""Choosing a member's stories for a week (pure) and the ISO week in Europe/Amsterdam."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nieuwsradar.digest.build import WeekPool, split_sentences, summarize
from nieuwsradar.digest.week import Week
from nieuwsradar.errors import InputError
from nieuwsradar.types import Item, Label

W = Week.parse("2026-W49")


def item(i: int, labels: dict[str, float], *, source: str = "VNG", source_id: int = 1,
         cluster: int | None = None, day: int = 1, text: str = "") -> Item:
    return Item(id=i, source_id=source_id, guid=str(i), url=f"https://x.nl/{i}",
                title=f"Bericht {i}", summary="", content_text=text or f"Tekst {i}. Meer.",
                content_html="", published_at=W.start + timedelta(days=day, hours=2),
                fetched_at=W.start, lang="nl", content_hash="", cluster_id=cluster,
                source_name=source, labels=tuple(Label(k, v) for k, v in labels.items()))


def test_week_is_monday_to_sunday_in_amsterdam() -> None:
    assert W.start == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # Monday 00:00 CET
    assert W.end == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
    summer = Week.parse("2026W27")
    assert summer.start.hour == 22  # CEST
    assert Week.containing(datetime(2026, 12, 6, 22, 59, tzinfo=UTC)) == W
    assert Week.containing(datetime(2026, 12, 6, 23, 0, tzinfo=UTC)).number == 50
    assert Week.last_complete(datetime(2026, 12, 7, 6, 0, tzinfo=UTC)) == W
    assert Week.parse("2021-W01").previous().label == "2020-W53"
    with pytest.raises(InputError, match="2026-W49"):
        Week.parse("week 49")
    with pytest.raises(InputError, match="has no week 54"):
        Week.parse("2026-W54")


def test_ranked_by_score_at_most_n_per_domain_in_member_order() -> None:
    items = [item(i, {"handhaving": 0.5 + i / 100}) for i in range(1, 9)]
    items.append(item(20, {"ondermijning": 0.9}))
    pool = WeekPool(W, items)
    digest = pool.digest_for(["ondermijning", "handhaving"], {}, per_domain=3)
    assert [s.key for s in digest.sections] == ["ondermijning", "handhaving"]
    assert [e.item_id for e in digest.sections[1].entries] == [8, 7, 6]
    assert digest.count == 4 and digest.item_ids == [20, 8, 7, 6]
    assert pool.digest_for(["omgevingswet"], {}, 3).is_empty


def test_story_in_several_sources_ranks_higher_and_appears_once_naming_the_others() -> None:
    items = [item(1, {"handhaving": 0.8}),
             item(2, {"handhaving": 0.7, "ondermijning": 0.75}, source="Politie", cluster=9),
             item(3, {"handhaving": 0.6}, source="NOS", source_id=2, cluster=9)]
    stories = {9: [(2, "Politie"), (3, "NOS"), (44, "RTL")]}  # 44: outside the week
    digest = WeekPool(W, items, stories).digest_for(["handhaving", "ondermijning"], {}, 5)
    handhaving = digest.sections[0].entries
    assert [e.item_id for e in handhaving] == [2, 1]
    assert handhaving[0].other_sources == ("NOS", "RTL")
    assert len(digest.sections) == 1  # the story is not repeated under ondermijning
    assert handhaving[0].domains == ("ondermijning", "handhaving")


def test_specialist_source_and_recency_break_ties() -> None:
    items = [item(1, {"handhaving": 0.8}, source_id=1, day=6),
             item(2, {"handhaving": 0.8}, source_id=2, day=6),
             item(3, {"handhaving": 0.8}, source_id=3, day=0)]
    pool = WeekPool(W, items, source_domains={2: ("handhaving",)})
    assert [e.item_id for e in pool.digest_for(["handhaving"], {}, 5).sections[0].entries] \
        == [2, 1, 3]


def test_saved_search_hits_get_their_own_section_without_repeats() -> None:
    items = [item(1, {"handhaving": 0.9}), item(2, {}), item(3, {})]
    pool = WeekPool(W, items)
    digest = pool.digest_for(["handhaving"], {"bodycam": [1, 3, 99, 2]}, 5)
    assert [(s.kind, s.title) for s in digest.sections] == [
        ("domain", "Handhaving"), ("search", "Zoekopdracht: bodycam")]
    assert [e.item_id for e in digest.sections[1].entries] == [3, 2]


def test_summary_is_one_or_two_sentences_from_the_text() -> None:
    text = ("Boa's krijgen bodycams. De gemeente start o.a. in Utrecht met een proef. "
            "Die duurt een jaar. Daarna volgt een evaluatie.")
    assert summarize(text, "Boa's krijgen bodycams") == (
        "De gemeente start o.a. in Utrecht met een proef. Die duurt een jaar.")
    assert summarize("Bodycam helpt boa's De bodycam draagt bij. Wel afspraken maken.",
                     "Bodycam helpt boa's") == "De bodycam draagt bij. Wel afspraken maken."
    assert split_sentences("Zie art. 5 van de wet. Klaar!") == ["Zie art. 5 van de wet.", "Klaar!"]
    long = "woord " * 100
    short = summarize(long)
    assert short.endswith("…") and len(short) <= 301
    assert summarize("") == ""


def test_only_http_links_to_the_original() -> None:
    bad = item(1, {"handhaving": 0.9})
    bad = Item(**{**{f: getattr(bad, f) for f in bad.__slots__}, "url": "javascript:alert(1)"})
    entry = WeekPool(W, [bad]).digest_for(["handhaving"], {}, 5).sections[0].entries[0]
    assert entry.link_original is None


def test_rising_topics_add_one_unseen_story_each_after_the_rest() -> None:
    items = [item(1, {"handhaving": 0.9}), item(2, {"ondermijning": 0.8}), item(3, {}),
             item(4, {})]
    pool = WeekPool(W, items)
    digest = pool.digest_for(["handhaving"], {}, 5, trending=[(1, 3), (99,), (4, 2)])
    assert [(s.kind, s.title) for s in digest.sections] == [
        ("domain", "Handhaving"), ("trending", "Opvallend deze week")]
    assert [e.item_id for e in digest.sections[1].entries] == [3, 4]
    assert digest.count == 3 and digest.chosen_count == 1
    assert pool.digest_for(["omgevingswet"], {}, 5, trending=[(3,)]).is_empty  # no news: no mail
