"""Questions as users type them: slips of the keyboard, words run together, American spellings, shorthand, place
names as typed, contractions without apostrophes, courtesies, the writer's role or need, lower case.

Each kind of change is made to every question it applies to (of the dev, held-out and held-out 3 sets), chosen by a
seeded random generator where there is a choice, so that every run asks the same:

- one slip in the longest word of six letters or more that is not a place name or an acronym: two neighbouring
  letters swapped, one dropped, one doubled or one changed; and the same in the longest place name's word;
- words the documents write with a hyphen written together ("self-harm" as "selfharm");
- British spellings written the American way ("behavior", "pediatric", "hospitalization": 40 words);
- shorthand for 14 words ("ppl", "no. of", "yrs", "approx", "stats", "%age", "hosp", "w/", ...);
- contractions typed without their apostrophe, and what people contract so: "whats", "hows", "im", "dont", ...;
- the place names a question names as people type them, one chosen where there is a choice: "W Sussex" or "W.
  Sussex", "Mid-Sussex", "Bognor", "Brighton & Hove";
- courtesies around the question: "Hi, could you please tell me ...? Thanks!", "Hello - I'd like to know ....
  Many thanks", "Please can you tell me ...", "...? Thank you in advance.", "Good morning, do you know ...? Cheers";
- the writer's role or need before it: "As a GP, ...?", "I work for a local charity and I need to know ...", "For
  our funding bid we need to know ...", "As a commissioner I'd like to know ...?", "I'm a school nurse and I want
  to know ...";
- the question typed all in lower case (nothing to turn off: only as written and changed).

The questions each kind changes are answered as written, and changed, with the question's misspelt words put right
its shorthand and place names written out, and its courtesies and the writer's role or need left out
(:mod:`assistant.spelling`, :func:`assistant.question.written_out`, :func:`assistant.question.without_courtesies`,
:data:`assistant.question.PREAMBLE`: the default) and without; by
the shipped models (dev figures are in-sample). Reported: page hit@5 and MRR@10 and answerable questions declined
(false abstentions) over the in-scope questions, and out-of-scope questions declined (a change must not make one look
answerable, nor undoing it make a word it asks about one the documents have).

    python bench/robustness.py [--corpus DIR] [--index DIR]

Prints a markdown table and writes it to ``bench/results/robustness.md``.
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

from assistant import question as reading
from assistant import retrieve
from assistant.answer import respond
from assistant.places import places_in, typed_forms
from assistant.retrieve import Retriever
from assistant.spelling import Speller

SEED = 7
LONG = re.compile(r"[A-Za-z]{6,}")
AMERICAN = dict(
    pair.split(":")
    for pair in (
        "behaviour:behavior behaviours:behaviors programme:program programmes:programs centre:center "
        "centres:centers organisation:organization organisations:organizations hospitalisation:hospitalization "
        "paediatric:pediatric ageing:aging anaemia:anemia oestrogen:estrogen foetal:fetal tumour:tumor labour:labor "
        "colour:color favour:favor neighbourhood:neighborhood neighbourhoods:neighborhoods counselling:counseling "
        "travellers:travelers analyse:analyze recognise:recognize prioritise:prioritize minimise:minimize "
        "utilisation:utilization immunisation:immunization immunisations:immunizations specialised:specialized "
        "diarrhoea:diarrhea gynaecology:gynecology orthopaedic:orthopedic licence:license defence:defense "
        "offence:offense haemoglobin:hemoglobin leukaemia:leukemia anaesthetic:anesthetic optimise:optimize"
    ).split()
)
COURTESIES = (
    "Hi, could you please tell me {asked}? Thanks!",
    "Hello - I'd like to know {asked}. Many thanks",
    "Please can you tell me {asked}",
    "{Asked}? Thank you in advance.",
    "Good morning, do you know {asked}? Cheers",
)
ROLES = (
    "As a GP, {asked}?",
    "I work for a local charity and I need to know {asked}",
    "For our funding bid we need to know {asked}",
    "As a commissioner I'd like to know {asked}?",
    "I'm a school nurse and I want to know {asked}",
)
SHORTHAND = {
    "people": "ppl",
    "number of": "no. of",
    "years": "yrs",
    "year": "yr",
    "approximately": "approx",
    "estimated": "est.",
    "average": "avg",
    "statistics": "stats",
    "information": "info",
    "percentage": "%age",
    "between": "btwn",
    "government": "govt",
    "hospital": "hosp",
    "with": "w/",
}
CONTRACTED = {
    "what is": "whats",
    "how is": "hows",
    "who is": "whos",
    "where is": "wheres",
    "i am": "im",
    "do not": "dont",
}
CONTRACTIBLE = re.compile(r"\b(?:" + "|".join(CONTRACTED) + r")\b|\b\w+['’](?:s|t|m|ve|re|d|ll)\b", re.IGNORECASE)
NOTHING = re.compile(r"(?!x)x")
HYPHENATED = re.compile(r"(?<![\w-])[A-Za-z]+(?:-[A-Za-z]+)+(?![\w-])")


def misspelt(question: str, rng: random.Random, place: bool = False) -> str:
    """``question`` with one slip in its longest word of six letters or more (not in capitals) that is not a place
    name (``place``: that is one)."""
    places = " ".join(places_in(question)).lower()
    words = [m for m in LONG.finditer(question) if (m.group().lower() in places) == place and not m.group().isupper()]
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


def swapping(words: dict[str, str]) -> Callable[[str], str]:
    """A change writing each of ``words`` (in any case) as its value, a capital kept: :data:`AMERICAN` ("behaviour"
    as "behavior"), :data:`SHORTHAND` ("number of people" as "no. of ppl")."""
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
    return lambda question: pattern.sub(lambda m: _cased(words[m.group().lower()], m.group()), question)


american, shorthand = swapping(AMERICAN), swapping(SHORTHAND)


def unapostrophised(question: str) -> str:
    """``question`` with its contractions typed without the apostrophe, and what people contract so contracted:
    "what's" and "what is" as "whats", "I am" as "im"."""
    return CONTRACTIBLE.sub(lambda m: CONTRACTED.get(m.group().lower(), re.sub("['’]", "", m.group())), question)


def places_typed(question: str, rng: random.Random) -> str:
    """``question`` with each place name it names that people type otherwise typed so (:func:`typed_forms`)."""
    for place in places_in(question):
        forms = sorted(form for form in typed_forms(place) if form != place.replace("-", " "))
        if forms:
            question = re.sub(re.escape(place), rng.choice(forms), question, flags=re.IGNORECASE)
    return question


def _cased(word: str, like: str) -> str:
    return word.capitalize() if like[0].isupper() else word


def courteous(question: str, rng: random.Random, wrappers: tuple[str, ...] = COURTESIES) -> str:
    """``question`` wrapped in one of ``wrappers`` (:data:`COURTESIES`, :data:`ROLES`)."""
    asked = question.strip().rstrip("?").strip()
    lowered = asked[0].lower() + asked[1:] if asked[1:2].islower() else asked
    return rng.choice(wrappers).format(asked=lowered, Asked=asked[0].upper() + asked[1:])


def written_together(question: str) -> str:
    """``question`` with its hyphenated words written as one ("self-harm" as "selfharm")."""
    return HYPHENATED.sub(lambda m: m.group().replace("-", ""), question)


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
        "hit@5": sum(r is not None and r <= 5 for r in ranks) / max(1, len(ranks)),
        "MRR@10": sum(1 / r for r in ranks if r) / max(1, len(ranks)),
        "false abstentions": declined_in / max(1, len(ranks)),
        "out of scope declined": declined_out / max(1, len(out)),
        "in scope": len(in_scope),
        "out of scope": len(out),
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
    lines = [
        f"# Questions as users type them, {time.strftime('%Y-%m-%d')}",
        "",
        f"Corpus `{args.corpus}`; shipped models (dev in-sample); seed {SEED}. Each kind of change over the "
        "questions it changes; undone: misspelt words put right from the documents' words, shorthand and place "
        "names written out, courtesies and the writer's role or need left out (the default).",
        "",
        "| questions | change | asked | undone | in scope / out | hit@5 | MRR@10 | false abstentions | "
        "out of scope declined |",
        "|---|---|---|---|---|---:|---:|---:|---:|",
    ]
    nothing = Speller((), frozenset(), frozenset())
    lower_case = "typed in lower case"  # read the same by the sentence splitting, which is always on
    kinds: dict[str, Callable[[dict[str, Any]], str]] = {
        "one slip in the longest word": lambda q: misspelt(q["question"], random.Random(f"{SEED}{q['id']}")),
        "one slip in a place name": lambda q: misspelt(q["question"], random.Random(f"{SEED}{q['id']}"), place=True),
        "hyphenated words written together": lambda q: written_together(q["question"]),
        "British spellings American": lambda q: american(q["question"]),
        "shorthand": lambda q: shorthand(q["question"]),
        "place names as typed": lambda q: places_typed(q["question"], random.Random(f"{SEED}{q['id']}")),
        "no apostrophes": lambda q: unapostrophised(q["question"]),
        "courtesies around it": lambda q: courteous(q["question"], random.Random(f"{SEED}{q['id']}")),
        "the writer's role or need first": lambda q: courteous(q["question"], random.Random(f"{SEED}{q['id']}"), ROLES),
        lower_case: lambda q: q["question"].lower(),
    }
    for name, questions in sets.items():
        for kind, change in kinds.items():
            slipped = {q["question"]: change(q) for q in questions}
            changed = [q for q in questions if slipped[q["question"]] != q["question"]]
            runs: list[tuple[str, bool, Callable[[str], str]]] = [
                ("as written", True, str),
                ("changed", True, slipped.__getitem__),
            ]
            if kind != lower_case:  # undone by the speller, by writing out shorthand or by leaving courtesies or roles
                # out: each can be turned off
                runs.append(("changed", False, slipped.__getitem__))
            for asked, right, ask in runs:
                with (
                    mock.patch.object(retrieve, "speller", retrieve.speller if right else lambda _: nothing),
                    mock.patch.object(reading, "without_courtesies", reading.without_courtesies if right else str),
                    mock.patch.object(
                        reading, "PREAMBLE", reading.PREAMBLE if right else re.compile("(?P<role>)(?P<need>)")
                    ),
                    mock.patch.object(reading, "SHORTHAND_WORDS", reading.SHORTHAND_WORDS if right else NOTHING),
                    mock.patch.object(reading, "as_named", reading.as_named if right else str),
                ):
                    f = figures(retriever, changed, ask)
                lines.append(
                    f"| {name} | {kind} | {asked} | {'yes' if right else 'no'} | {f['in scope']:.0f} / "
                    f"{f['out of scope']:.0f} | {f['hit@5']:.3f} | {f['MRR@10']:.3f} | {f['false abstentions']:.1%} | "
                    f"{f'{declined:.0%}' if (declined := f['out of scope declined']) or f['out of scope'] else '-'} |"
                )
    write_results("robustness.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
