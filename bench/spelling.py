"""Questions with a slip of the keyboard: how much one misspelt word costs, with and without putting it right.

Each question of the dev, held-out and held-out 3 sets is asked as written and with one slip in its longest word of
six letters or more that is not a place name or an acronym: two neighbouring letters swapped, one dropped, one
doubled or one changed (chosen by a seeded random generator, so every run asks the same). Each is answered by the
shipped models (dev figures are in-sample) with the question's misspelt words put right from the documents' words
(:mod:`assistant.spelling`, the default) and without. Reported: page hit@5 and MRR@10 and answerable questions
declined (false abstentions) over the in-scope questions, and out-of-scope questions declined (a slip must not make
one look answerable, nor putting it right make a word it asks about one the documents have).

    python bench/spelling.py [--corpus DIR] [--index DIR]

Prints a markdown table and writes it to ``bench/results/spelling.md``.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

from calibrate_answers import DEV, HELDOUT, HELDOUT3, load_questions
from common import index_arguments, is_gold, open_index, write_results

from assistant import retrieve
from assistant.answer import respond
from assistant.places import places_in
from assistant.retrieve import Retriever
from assistant.spelling import Speller

SEED = 7
LONG = re.compile(r"[A-Za-z]{6,}")


def misspelt(question: str, rng: random.Random) -> str:
    """``question`` with one slip in its longest word of six letters or more (not a place name, not in capitals)."""
    places = " ".join(places_in(question)).lower()
    words = [m for m in LONG.finditer(question) if m.group().lower() not in places and not m.group().isupper()]
    if not words:
        return question
    match = max(words, key=lambda m: len(m.group()))
    word, i = match.group(), rng.randrange(1, len(match.group()) - 1)
    slip = rng.choice(("swap", "drop", "double", "change"))
    if slip == "swap":
        word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    elif slip == "drop":
        word = word[:i] + word[i + 1 :]
    elif slip == "double":
        word = word[:i] + word[i] + word[i:]
    else:
        word = word[:i] + rng.choice([c for c in "aeiourstn" if c != word[i]]) + word[i + 1 :]
    return question[: match.start()] + word + question[match.end() :]


def figures(retriever: Retriever, questions: list[dict[str, Any]], ask: Callable[[str], str]) -> dict[str, float]:
    in_scope = [q for q in questions if q["type"] not in ("out_of_scope", "indicator_only")]
    out = [q for q in questions if q["type"] == "out_of_scope"]
    ranks, declined_in = [], 0
    for q in in_scope:
        response = respond(retriever, ask(q["question"]), k=10)
        ranks.append(next((i + 1 for i, h in enumerate(response.hits) if is_gold(h, q["gold"])), None))
        declined_in += response.answer.abstained
    declined_out = sum(respond(retriever, ask(q["question"]), k=10).answer.abstained for q in out)
    return {
        "hit@5": sum(r is not None and r <= 5 for r in ranks) / len(ranks),
        "MRR@10": sum(1 / r for r in ranks if r) / len(ranks),
        "false abstentions": declined_in / len(in_scope),
        "out of scope declined": declined_out / max(1, len(out)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    index_arguments(parser)
    args = parser.parse_args()
    retriever, _ = open_index(args.corpus, args.index, args.backend, args.sentence_vectors)
    sets = {
        "dev": load_questions(DEV, retriever),
        "held-out": load_questions(HELDOUT, retriever),
        "held-out 3": load_questions(HELDOUT3, retriever),
    }
    slips = {
        name: {q["question"]: misspelt(q["question"], random.Random(f"{SEED}{q['id']}")) for q in qs}
        for name, qs in sets.items()
    }
    lines = [
        f"# Misspelt questions, {time.strftime('%Y-%m-%d')}",
        "",
        f"Corpus `{args.corpus}`; one slip in each question's longest word (seed {SEED}); shipped models (dev "
        "in-sample). Put right: the question's misspelt words put right from the documents' words (the default).",
        "",
        "| questions | asked | put right | hit@5 | MRR@10 | false abstentions | out of scope declined |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    nothing = Speller((), frozenset(), frozenset())
    for name, questions in sets.items():
        changed = sum(slips[name][q["question"]] != q["question"] for q in questions)
        for asked, ask in (("as written", lambda q: q), (f"one slip ({changed} of {len(questions)})", slips[name].get)):
            for right in (True, False):
                with mock.patch.object(retrieve, "speller", retrieve.speller if right else lambda _: nothing):
                    f = figures(retriever, questions, ask)
                lines.append(
                    f"| {name} | {asked} | {'yes' if right else 'no'} | {f['hit@5']:.3f} | {f['MRR@10']:.3f} | "
                    f"{f['false abstentions']:.1%} | {f['out of scope declined']:.0%} |"
                )
    write_results("spelling.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
