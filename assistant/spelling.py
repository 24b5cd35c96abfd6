"""A question's misspelt words, put right from the words of the documents themselves.

One slip in a question's longest word ("dementai diagnosis rate", "how many people proivde unpaid care") costs more
than the word: BM25 finds no passage holding it, and a distinctive word that no page holds reads to the decision as a
topic the documents lack, so the question is declined. Over the dev questions, with one such slip each, page hit@5
fell 0.955 -> 0.879 and answerable questions declined rose 2% -> 23%; with hyphenated words written together
("selfharm"), 1 in 15 -> 6 in 15 (``bench/robustness.py``).

A word is left as it is when it is short (fewer than :data:`MIN_LENGTH` letters: "cair" could be "care" or "hair"),
written in capitals or with digits (an acronym, a code), or known: a word of the documents or a form of one (its stem
is theirs: "funder" beside their "funders"), a word of an English dictionary (``pyspellchecker``'s, 160,000 words)
or of the embedding model's vocabulary (so "Tokyo" or "melanoma" stay what they are, and an out-of-scope question
stays out of scope), or of a place name. Otherwise it becomes the word of the documents (used at least
:data:`MIN_COUNT` times), or the place name, one edit away (a letter added, dropped or changed, or two swapped; of
several, the most used); a word with none is left as it is. A word the documents write with hyphens, written
together ("selfharm", "ecigarettes"), becomes theirs ("self-harm") first. And an American spelling becomes the
British one when the documents use that at least :data:`USUAL` times as often (at least :data:`MIN_COUNT` times),
dictionary word though it is and few though their American ones are: "behavior" -> "behaviour", "pediatric" ->
"paediatric". Two edits put right valid words that neither the documents nor the model know ("audiology" became
"aetiology"). The documents' words are counted once per index version.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from assistant.lexical import stem

MIN_LENGTH = 5
MIN_COUNT = 2
USUAL = 5  # times as often as the American spelling, for the documents' British one to be theirs
NEAR_KEPT = 10_000
UNKNOWN = "\0"  # not yet looked up (a word is never this)
WORD = re.compile(r"(?<![\w-])[A-Za-z][a-z]+(?![\w-])")  # not "COVID", "NHS", "Core20", "self-harm"'s parts
LETTERS = re.compile(r"[a-z]+")
HYPHENATED = re.compile(r"(?<![\w-])[a-z]+(?:-[a-z]+)+(?![\w-])")
# American endings and their British forms, longest first: "-ization" before "-ize", "-orhood" before "-or".
BRITISH_ENDINGS = (
    ("izations", "isations"),
    ("ization", "isation"),
    ("orhoods", "ourhoods"),
    ("orhood", "ourhood"),
    ("izing", "ising"),
    ("eling", "elling"),
    ("elers", "ellers"),
    ("yzing", "ysing"),
    ("aging", "ageing"),
    ("izes", "ises"),
    ("ized", "ised"),
    ("yzed", "ysed"),
    ("eled", "elled"),
    ("eler", "eller"),
    ("ense", "ence"),
    ("ize", "ise"),
    ("yze", "yse"),
    ("ors", "ours"),
    ("ers", "res"),
    ("ams", "ammes"),
    ("or", "our"),
    ("er", "re"),
    ("am", "amme"),
    ("og", "ogue"),
)


@dataclass(frozen=True)
class Speller:
    """The documents' words, to put a question's misspelt words right."""

    words: tuple[str, ...]  # corrections: the documents' words used at least MIN_COUNT times, most used first
    known: frozenset[str]  # spelt right beside the documents' words (counts) and the dictionary's: those given
    stems: frozenset[str]  # of the documents' words
    joined: Mapping[str, str] = field(default_factory=dict)  # "selfharm" -> the documents' "self-harm"
    counts: Mapping[str, int] = field(default_factory=dict)  # how often the documents use each word
    # Words already looked up (a search, its answer and its tables read the same question several times; about 8 ms
    # a word to look up in 20,000), at most NEAR_KEPT of them.
    _nearest: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, texts: Iterable[str], known: Iterable[str] = (), names: Iterable[str] = ()) -> Speller:
        """The speller of the documents' ``texts``; ``known`` words are spelt right too, and ``names`` are also what
        a misspelt word may become though the documents never use them (place names: "Surey" is "Surrey", so the
        question is about a place the documents are not)."""
        counts: Counter[str] = Counter()
        hyphenated: Counter[str] = Counter()
        for text in texts:
            lower = text.lower()
            counts.update(LETTERS.findall(lower))
            hyphenated.update(HYPHENATED.findall(lower))
        common = [w for w, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n >= MIN_COUNT]
        named = {name.lower() for name in names if name.isalpha()} - set(common)
        words = (*common, *sorted(named))  # the documents' words first: of equally near ones, theirs
        joined: dict[str, str] = {}
        for word, n in hyphenated.most_common():
            if n >= MIN_COUNT:
                joined.setdefault(word.replace("-", ""), word)
        spelt = frozenset(named) | {w.lower() for w in known}
        return cls(words, spelt, frozenset(stem(list(counts))), joined, counts)

    def correct(self, text: str) -> str:
        """``text`` with its misspelt words put right (see the module's docstring)."""
        return WORD.sub(lambda match: self._word(match.group()), text)

    def corrections(self, text: str) -> tuple[tuple[str, str], ...]:
        """The words of ``text`` put right, each once: (as written, as searched)."""
        pairs = ((match.group(), self._word(match.group())) for match in WORD.finditer(text))
        return tuple(dict.fromkeys((wrong, right) for wrong, right in pairs if wrong != right))

    def _word(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < MIN_LENGTH:
            return word
        right = self._british(lower)
        if right is None:
            if lower in self.counts or self._form(lower) or lower in self.known or lower in english_words():
                return word  # the documents' own word or a form of one, or a dictionary's
            right = self._near(lower)
        if right is None:
            return word
        return right.capitalize() if word[0].isupper() else right

    def _form(self, lower: str) -> bool:
        """A form of one of the documents' words: its stem is theirs, and takes at most two letters off ("funder"
        beside "funders"; not "crawely", whose stem "craw" is another word's)."""
        stemmed = stem([lower])[0]
        return stemmed in self.stems and len(stemmed) >= len(lower) - 2

    def _british(self, lower: str) -> str | None:
        """The documents' usual British spelling of an American one ("behavior", "pediatric")."""
        enough = max(MIN_COUNT, USUAL * self.counts.get(lower, 0))
        return next((variant for variant in british(lower) if self.counts.get(variant, 0) >= enough), None)

    def _near(self, lower: str) -> str | None:
        """The documents' word that ``lower`` misspells: theirs with a hyphen ("selfharm"), or one edit away."""
        if lower in self.joined:
            return self.joined[lower]
        if not self.words:
            return None
        kept = self._nearest.get(lower, UNKNOWN)  # one read: another session's search may clear the words kept
        if kept is not UNKNOWN:
            return kept
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found = process.extractOne(lower, self.words, scorer=OSA.distance, score_cutoff=1)
        near = None if found is None else str(found[0])
        if len(self._nearest) >= NEAR_KEPT:  # the server's sessions share it: bounded
            self._nearest.clear()
        self._nearest[lower] = near
        return near


def british(word: str) -> Iterator[str]:
    """British spellings ``word`` may have, if it is American: its ending ("behavior" -> "behaviour", "center" ->
    "centre", "hospitalization" -> "hospitalisation", "program" -> "programme"), or an "a" or "o" before an "e"
    ("pediatric" -> "paediatric", "estrogen" -> "oestrogen"). Most are not words: only the documents' count."""
    for american, british_ending in BRITISH_ENDINGS:
        if word.endswith(american):
            yield word[: len(word) - len(american)] + british_ending
    for i, letter in enumerate(word):
        if letter == "e":
            yield word[:i] + "a" + word[i:]
            yield word[:i] + "o" + word[i:]


@functools.cache
def english_words() -> frozenset[str]:
    """The words of ``pyspellchecker``'s English dictionary (read in about 0.2 s, once)."""
    from spellchecker import SpellChecker

    return frozenset(SpellChecker(language="en", distance=1).word_frequency.dictionary)
