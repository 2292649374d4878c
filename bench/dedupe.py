"""Benchmark and quality check of nieuwsradar.dedupe on synthetic Dutch-like news.

Prints µs per item for signatures and for clustering (match + add) on 10k items, then
precision / recall of story clustering on synthetic stories with edited copies:

    uv run python bench/dedupe.py [--items 10000] [--stories 2000] [--seed 1]

Stories are 60-120 words drawn from a Zipf-distributed vocabulary plus topic words; a
third of them end in their topic's shared boilerplate paragraph (hard negatives: same
topic, same boilerplate, different story). Each story gets 1-2 copies: exact, edited
intro, extra paragraph, ~5 % of words changed, a source line added, or first part only.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass

from nieuwsradar.dedupe import StoryIndex, signature

SYLLABLES = ("ge", "meen", "te", "hand", "ha", "ving", "on", "der", "mij", "ning", "so", "ci",
             "aal", "om", "ge", "vings", "wet", "boa", "con", "tro", "le", "wijk", "raad",
             "be", "leid", "ver", "gun", "ning", "toe", "zicht", "pand", "slui", "ting", "bur",
             "ge", "mees", "ter", "po", "li", "tie", "jeugd", "zorg", "ri", "si", "co")
EDITS = ("exact", "intro", "paragraph", "words", "source", "truncate")


def make_vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


@dataclass
class Corpus:
    vocab: list[str]
    weights: list[float]
    topics: list[list[str]]
    boilerplate: list[list[str]]

    @classmethod
    def make(cls, rng: random.Random, n_topics: int = 20) -> Corpus:
        vocab = make_vocabulary(rng, 4000)
        weights = [1 / (rank + 1) for rank in range(len(vocab))]
        topics = [rng.sample(vocab, 80) for _ in range(n_topics)]
        boiler = [rng.choices(vocab, weights, k=rng.randint(25, 40)) for _ in range(n_topics)]
        return cls(vocab, weights, topics, boiler)

    def sentence(self, rng: random.Random, topic: int) -> list[str]:
        words = rng.choices(self.vocab, self.weights, k=rng.randint(8, 16))
        for _ in range(3):
            words[rng.randrange(len(words))] = rng.choice(self.topics[topic])
        return words

    def story(self, rng: random.Random, topic: int) -> list[list[str]]:
        sentences: list[list[str]] = []
        target = rng.randint(60, 120)
        while sum(map(len, sentences)) < target:
            sentences.append(self.sentence(rng, topic))
        if rng.random() < 1 / 3:
            sentences.append(list(self.boilerplate[topic]))
        return sentences

    def edit(self, rng: random.Random, story: list[list[str]], topic: int, how: str) -> str:
        sentences = [list(s) for s in story]
        if how == "intro":
            sentences[0] = self.sentence(rng, topic)
        elif how == "paragraph":
            sentences += [self.sentence(rng, topic) for _ in range(rng.randint(2, 3))]
        elif how == "words":
            flat = [w for s in sentences for w in s]
            for _ in range(max(1, len(flat) // 20)):
                flat[rng.randrange(len(flat))] = rng.choice(self.vocab)
            sentences = [flat]
        elif how == "source":
            sentences.insert(0, ["bron", "gemeente", rng.choice(self.vocab), "persbericht"])
        elif how == "truncate":
            keep = max(1, int(len(sentences) * 0.75))
            sentences = sentences[:keep]
        return render(sentences)


def render(sentences: list[list[str]]) -> str:
    return " ".join(" ".join(s).capitalize() + "." for s in sentences)


def make_items(rng: random.Random, corpus: Corpus, n_stories: int
               ) -> list[tuple[int, str, str]]:
    """(story id, text, edit kind) for each story and its copies, shuffled.

    A fifth of the stories are siblings of the previous one: same topic, same boilerplate
    and one shared sentence (a quote), otherwise different: they must not merge.
    """
    items = []
    previous: tuple[int, list[list[str]]] | None = None
    for sid in range(n_stories):
        topic = rng.randrange(len(corpus.topics))
        story = corpus.story(rng, topic)
        if previous is not None and rng.random() < 0.2:
            topic, model = previous
            story = corpus.story(rng, topic)
            story[rng.randrange(len(story))] = list(rng.choice(model))
            story.append(list(corpus.boilerplate[topic]))
        previous = (topic, story)
        items.append((sid, "original", render(story)))
        for _ in range(rng.randint(1, 2)):
            how = rng.choice(EDITS)
            items.append((sid, how, corpus.edit(rng, story, topic, how)))
    rng.shuffle(items)
    return [(sid, text, how) for sid, how, text in items]


def pairs(groups: Counter[int]) -> int:
    return sum(n * (n - 1) // 2 for n in groups.values())


def quality(items: list[tuple[int, str, str]]) -> None:
    index = StoryIndex()
    predicted: list[int] = []
    for item_id, (_, text, _) in enumerate(items):
        sig = signature(text)
        cluster = index.match(sig)
        if cluster is None:
            cluster = item_id
        predicted.append(cluster)
        index.add(item_id, cluster, sig)
    true_pairs = pairs(Counter(sid for sid, _, _ in items))
    predicted_pairs = pairs(Counter(predicted))
    joint = pairs(Counter(zip(predicted, (sid for sid, _, _ in items), strict=True)))
    precision = joint / predicted_pairs if predicted_pairs else 1.0
    recall = joint / true_pairs
    print(f"{len(items)} items, {len(set(s for s, _, _ in items))} stories, "
          f"{len(set(predicted))} predicted clusters")
    print(f"pairwise precision {precision:.3f}  recall {recall:.3f}")
    # Recall per edit kind: is the copy in the same cluster as its original?
    cluster_of_original = {sid: predicted[i] for i, (sid, _, how) in enumerate(items)
                           if how == "original"}
    per_kind: dict[str, list[bool]] = {}
    for i, (sid, _, how) in enumerate(items):
        if how != "original":
            per_kind.setdefault(how, []).append(predicted[i] == cluster_of_original[sid])
    print("recall by edit: " + ", ".join(
        f"{k} {sum(v) / len(v):.2f}" for k, v in sorted(per_kind.items())))


def speed(texts: list[str]) -> None:
    started = time.perf_counter()
    sigs = [signature(t) for t in texts]
    sig_us = (time.perf_counter() - started) / len(texts) * 1e6
    index = StoryIndex()
    started = time.perf_counter()
    for item_id, sig in enumerate(sigs):
        cluster = index.match(sig)
        index.add(item_id, item_id if cluster is None else cluster, sig)
    cluster_us = (time.perf_counter() - started) / len(texts) * 1e6
    words = statistics.median(len(t.split()) for t in texts)
    print(f"{len(texts)} items (median {words:.0f} words): signature {sig_us:.1f} µs/item, "
          f"clustering {cluster_us:.1f} µs/item")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--stories", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpus = Corpus.make(rng)
    timing_items = make_items(rng, corpus, args.items // 2)
    speed([text for _, text, _ in timing_items[: args.items]])
    items = make_items(rng, corpus, args.stories)
    quality(items)


if __name__ == "__main__":
    main()
