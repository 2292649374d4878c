"""Trend detection on constructed histories (pure functions of nieuwsradar.trends)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nieuwsradar import trends
from nieuwsradar.trends import Count, Interest, Story, Totals

DOMAINS = ("handhaving", "ondermijning", "sociaal domein", "omgevingswet")
FILLER = ["parkeren in de binnenstad", "afval naast de container", "nieuwe raadsleden",
          "fietsen bij het station", "onderhoud van de wegen", "verlichting in het park"]

# One item: (source id, domain mask, title).
Week = list[tuple[int, int, str]]


def steady_week(n_sources: int = 10, seed: int = 0) -> Week:
    """Background news: every source writes about different everyday things."""
    return [(s, 1, f"Gemeente meldt {FILLER[(s + seed) % len(FILLER)]}")
            for s in range(1, n_sources + 1)]


def rank(history: list[Week], *, min_sources: int = 3, domain: str = "",
         limit: int | None = None) -> list[trends.Trend]:
    """Rank the last week of ``history`` against all weeks before it, the way the facade
    does: topic keys per item, per-week aggregates, baseline sums."""
    weeks = [trends.aggregate(((src, mask, "|".join(sorted(trends.item_terms(title, ""))))
                               for src, mask, title in week), DOMAINS)[domain]
             for week in history]
    *before, now = weeks
    baseline: Counter[str] = Counter()
    for week in before:
        baseline.update({k: v for k, (v, _) in week.items() if k})
    totals = Totals(window_items=now.get("", (0, 0))[1],
                    baseline_items=sum(w.get("", (0, 0))[1] for w in before),
                    window_weeks=1, baseline_weeks=len(before))
    window = {k: Count(*v) for k, v in now.items() if k}
    return trends.rank_terms(window, baseline, totals, min_sources=min_sources, limit=limit)


def keys(ranked: list[trends.Trend]) -> list[str]:
    return [t.key for t in ranked]


def stem(text: str) -> str:
    (only,) = [k for k in trends.item_terms(text, "") if len(k.split()) == len(text.split())]
    return only


def test_a_term_rising_across_sources_in_one_week_is_found() -> None:
    history = [steady_week(seed=i) for i in range(10)]
    history[-1] += [(20 + s, 1, f"Bodycam voor boa's in gemeente {name}")
                    for s, name in enumerate(["Utrecht", "Zwolle", "Breda", "Venlo", "Ede"])]
    ranked = {t.key: t for t in rank(history)}
    assert "bodycam" in ranked, "the rising term was not found"
    found = ranked["bodycam"]
    assert found.new and found.count == 5 and found.baseline == 0
    assert found.score == max(t.score for t in ranked.values())


def test_a_term_frequent_every_week_is_not_a_trend() -> None:
    history = [steady_week(seed=i) + [(30 + s, 1, "Handhaving op de markt")
                                      for s in range(6)] for i in range(10)]
    assert stem("handhaving") not in keys(rank(history))
    assert rank(history) == []


def test_one_source_repeating_a_term_is_one_voice() -> None:
    history = [steady_week(seed=i) for i in range(10)]
    history[-1] += [(99, 1, f"Damocles toegepast op pand {n}") for n in range(14)]
    assert rank(history) == []
    week = trends.aggregate([(99, 1, "damocl|pand")] * 14, DOMAINS)
    assert week[""]["damocl"] == (1, 14)  # one voice, fourteen items


def test_a_story_carried_by_five_sources_outranks_one_carried_once() -> None:
    totals = Totals(window_items=200, baseline_items=2000)
    ranked = trends.rank_stories([Story(1, 1, 1), Story(2, 5, 5), Story(3, 2, 6)], totals,
                                 min_sources=1)
    assert [t.key for t in ranked] == ["story:2", "story:3", "story:1"]
    assert [t.key for t in trends.rank_stories([Story(1, 1, 1), Story(2, 5, 5)], totals)] \
        == ["story:2"]


def test_scaling_all_counts_does_not_change_the_order() -> None:
    window = {"a": Count(12, 14), "b": Count(6, 6), "c": Count(9, 20), "d": Count(4, 4)}
    baseline = {"a": 6, "b": 0, "c": 30, "d": 2}
    totals = Totals(window_items=300, baseline_items=3000)
    expected = keys(trends.rank_terms(window, baseline, totals, min_sources=1))
    assert len(expected) >= 3
    for k in (2, 3, 10, 100):
        scaled = trends.rank_terms(
            {key: Count(c.sources * k, c.items * k) for key, c in window.items()},
            {key: n * k for key, n in baseline.items()},
            Totals(window_items=300 * k, baseline_items=3000 * k), min_sources=1)
        assert keys(scaled) == expected, k


@given(st.integers(0, 400), st.integers(0, 4000), st.integers(0, 400), st.integers(0, 4000))
def test_adding_a_source_never_lowers_a_score(a: int, b: int, extra_c: int,
                                              extra_d: int) -> None:
    c, d = a + extra_c, b + extra_d
    # one more source tells it: one more voice and one more item in the window
    assert trends.score(a + 1, b, c + 1, d) >= trends.score(a, b, c, d) - 1e-9
    # one more voice among the same items (a source that also names it)
    if a < c:
        assert trends.score(a + 1, b, c, d) >= trends.score(a, b, c, d) - 1e-9


@given(st.integers(1, 50), st.integers(1, 500), st.integers(0, 200), st.integers(0, 2000))
def test_score_and_effect_agree_on_direction(a: int, c_extra: int, b: int, d_extra: int) -> None:
    c, d = a + c_extra, b + d_extra
    assert (trends.log_ratio(a, b, c, d) > 0) == (trends.score(a, b, c, d) > 0)


def test_names_and_phrases_are_topics_without_stop_words() -> None:
    terms = trends.item_terms(
        "Gemeente pakt illegale vakantieverhuur aan",
        "De Wet kwaliteitsborging voor het bouwen; de bodycam en Damocles in de praktijk.")
    for phrase in ("illegale vakantieverhuur", "Wet kwaliteitsborging", "bodycam", "Damocles"):
        assert stem(phrase) in terms, phrase
    assert not any(word in key.split() for key in terms for word in ("de", "het", "voor"))
    assert stem("bodycam") + " " + stem("Damocles") not in terms  # "en" sits between


def test_n_grams_do_not_cross_punctuation() -> None:
    terms = trends.item_terms("Drugslab, vakantieverhuur", "")
    assert f"{stem('drugslab')} {stem('vakantieverhuur')}" not in terms


def test_topics_are_shown_in_their_most_common_written_form() -> None:
    key = stem("illegale vakantieverhuur")
    texts = ["Illegale vakantieverhuur neemt toe", "Aanpak illegale vakantieverhuur",
             "Meer illegale vakantieverhuur", "ILLEGALE VAKANTIEVERHUUR"]
    assert trends.surface_forms(texts, [key]) == {key: "illegale vakantieverhuur"}
    assert trends.surface_forms([], ["onbekend"]) == {"onbekend": "onbekend"}


def test_a_phrase_that_carries_the_voices_replaces_its_words() -> None:
    history = [steady_week(seed=i) for i in range(10)]
    history[-1] += [(40 + s, 1, f"{town} treedt op tegen illegale vakantieverhuur")
                    for s, town in enumerate(["Utrecht", "Zwolle", "Breda", "Venlo"])]
    ranked = rank(history)
    assert keys(ranked)[0] == stem("illegale vakantieverhuur")
    assert stem("vakantieverhuur") not in keys(ranked)
    assert stem("illegale") not in keys(ranked)


def test_rising_compared_with_a_baseline_that_already_had_it() -> None:
    history = [[*steady_week(seed=i), (50, 1, "Drugsafval gedumpt")] for i in range(10)]
    history[-1] += [(60 + s, 1, "Drugsafval gedumpt") for s in range(6)]
    (top,) = rank(history)
    assert top.key == stem("drugsafval gedumpt")
    assert not top.new and top.baseline == pytest.approx(1.0) and top.effect > 1


def test_per_domain_counts_use_the_domain_mask() -> None:
    week = trends.aggregate([(1, 0b0001, "a"), (2, 0b0010, "a"), (3, 0b0011, "a|b")], DOMAINS)
    assert week[""]["a"] == (3, 3)
    assert week["handhaving"]["a"] == (2, 2) and week["handhaving"][""] == (2, 2)
    assert week["ondermijning"]["b"] == (1, 1)
    assert "a" not in week["omgevingswet"]


def test_network_interest_reorders_topics() -> None:
    ranked = [trends.Trend("fiet", "term", 10.0, 5, 0.5, 2.0, False, 5),
              trends.Trend("drugslab", "term", 8.0, 4, 0.5, 2.0, False, 4)]
    interest = Interest(members=4, domains={"ondermijning": 1.0},
                        search_stems=trends.stems_of_queries(["drugslabs domein:ondermijning"]))
    assert "drugslab" in interest.search_stems
    assert keys(trends.for_network(ranked, interest, "ondermijning")) == ["drugslab", "fiet"]
    assert keys(trends.for_network(ranked, Interest(0, {}), "ondermijning")) == \
        ["fiet", "drugslab"]


def test_weeks_are_iso_weeks() -> None:
    assert trends.week_of(date(2026, 12, 6)) == date(2026, 11, 30)  # a Sunday
    assert trends.week_label(date(2026, 11, 30)) == "2026-W49"
    assert trends.parse_week("2026-W49") == date(2026, 11, 30)
    assert trends.week_label(trends.parse_week("2027-W01")) == "2027-W01"
    assert trends.weeks(date(2026, 11, 25), date(2026, 12, 8)) == [
        date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7)]
    with pytest.raises(ValueError, match="2026-W49"):
        trends.parse_week("week 49")
