"""Does an indicator table answer the question? A calibrated yes/no for each candidate table.

The matcher (:mod:`.match`) always finds *some* indicator: dental decay for "which bus goes to Gatwick",
population projections for "the population of Tokyo". Each candidate table (the matcher's best
:data:`CANDIDATES`, built for the question's areas) gets a probability from a logistic model
(:class:`assistant.calibrated.LogisticModel`, shipped as ``relevance.json``) and is shown only when the model says
yes; no table is the default. The model is fitted on labelled dev questions by ``bench/calibrate_tables.py``, its
threshold chosen on 5-fold cross-validated probabilities (the ``note`` in ``relevance.json`` says how).

The features of a (question, candidate table) pair. They describe whether the *measure* is what is asked, never
the place alone, and none names a particular indicator or word, so they carry over to new questions and data:

``similarity``
    Cosine similarity of the question's vector to the indicator's (its name and definition, embedded at ingest).
``question_cover``
    Of the question's topic words (stemmed; without the areas it names, other place names, years, question words
    such as "how many", measure words such as "rate" or "highest", words such as "district" or "people", and
    stopwords), the share held by the indicator's name and definition, each word weighted by its IDF over the
    catalogue (a word, or one it begins or that begins it: "smoke" and "smoker"). A word in no indicator
    ("Tokyo", "bus", "fractures" beside a count of falls) weighs most, so a question about something the data
    does not measure is poorly covered by every indicator.
``asks_other``
    1 when the question asks for something other than a figure: what a measure means or how it is defined,
    services, support, plans, policies, recommendations, reasons ("why"), costs and spending; else 0.
``area_named``
    1 when the table is for an area the question names (or ranks the parts of one), 0 when it is the default
    (the home area) or the wider area shown for want of a figure.
``rank``
    The candidate's place in the matcher's order (0 for its best: dense and BM25 fused by reciprocal rank).
``year_missing``
    1 when the question names a year or period ("2016/17", "in 2021") and none of the table's periods (its latest
    and its trend) holds it (:func:`period_held`), else 0: a 2017 rate does not say what was asked about 2008, nor
    a 2018/19 rate what was asked about 2017/18.
``asks_figure``
    1 when the question asks for a figure: how many, rate, percentage, compared with ...; else 0.
``other_group``
    1 when the table is for another group of people than the one the question names: another sex ("women" asked,
    a table of men), or ages that do not overlap the ages asked ("life expectancy at 65" asked, life expectancy at
    birth; "year 6", a table of reception children; "under 18s", a table of people aged 25 to 49); else 0. A
    question that names no sex or age conflicts with no table.
``age_unasked``
    1 when the table is for some ages ("life expectancy at age 65", "admissions aged 0-17", "hip fractures in people
    aged 65 and over") and the question names none, else 0: asked about life expectancy, a table at 65 is a narrower
    measure than the one asked. From birth, all ages, and adults (18 and over, or any age up from 18 or younger)
    count as no narrowing.

Computed too, for ``bench/calibrate_tables.py`` to compare by cross-validation, and left out of the shipped model
because they did not help there: ``similarity_gap`` (the best candidate's similarity minus this one's),
``name_cover`` (the IDF-weighted share of the indicator name's content words that the question holds) and ``bm25``
(BM25 of the name and definition for the question without its areas, divided by the best in the catalogue).
Similarities of the indicator's name alone, or of the question without its areas, did not help either.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from assistant.calibrated import LogisticModel
from assistant.glossary import expansions
from assistant.indicators.match import IndicatorCatalogue
from assistant.indicators.tables import FEMALE, MALE, IndicatorTable
from assistant.lexical import QUESTION_WORDS, tokenize
from assistant.places import places_in
from assistant.text import years_in

MODEL_PATH = Path(__file__).with_name("relevance.json")
CANDIDATES = 8  # indicators considered for a question: the matcher's best, each with its table for the areas
# Those the shipped model uses.
FEATURES = (
    "similarity",
    "question_cover",
    "asks_other",
    "area_named",
    "rank",
    "year_missing",
    "asks_figure",
    "other_group",
    "age_unasked",
)
ALL_FEATURES = (*FEATURES, "similarity_gap", "name_cover", "bm25")
# Words that ask for a figure rather than say what it measures (stemmed, as tokenize gives them).
MEASURE_WORDS = frozenset(
    "rate percentag proport number per cent figur latest recent current data statist level trend chang compar "
    "highest lowest worst best most least rank top bottom highest higher lower better wors averag valu total "
    "estim improv increas decreas rise gone go up down".split()
)
# Words that say where or who in general, not what is measured ("which district", "people in").
GENERIC_WORDS = frozenset(
    "has have had been district ward counti region ccg borough town citi area local resid neighbourhood peopl".split()
)
YEAR = re.compile(r"^(19|20)\d\d$")
FIGURE = re.compile(
    r"\b(how (many|much|high|low|common|often)|number|rates?|percentage|proportion|per cent|share|prevalence|"
    r"incidence|figures?|statistics?|compared?|than|versus|vs|highest|lowest|worst|best|most|least|trend|level|"
    r"how has|changed?)\b|%",
    re.I,
)
# Questions that ask for something other than a figure: what a measure means, services, plans, advice.
OTHER = re.compile(
    r"\b(define[sd]?|definition|what does .* (mean|measure)|meaning|services?|support|clinics?|helpline|"
    r"strateg(y|ies)|plans?|polic(y|ies)|priorit(y|ies)|recommend\w*|actions?|interventions?|why|costs?|costing|"
    r"spend(ing)?|"
    r"who (runs|provides|is)|where can|how (do|can|should) (i|we|you))\b",
    re.I,
)


OLDEST = 120
ADULT = 18  # an age band from this age or younger up to OLDEST is everyone grown up: not a narrower group
# Ages a question or an indicator name names, each as a range of years of age. School years are ages: reception is
# 4-5, year N is N+4 to N+5 ("year 2019" is not a school year: 1-13 only).
AGE_RANGE = re.compile(r"\b(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})\b(?!\s*%)")
AGE_AND_OVER = re.compile(
    r"\b(\d{1,2})\s*(?:\+|(?:years? )?(?:and|or) (?:over|older|above)|plus)|\bover[- ](\d{1,2})s?\b"
)
AGE_UNDER = re.compile(r"\bunder[- ](\d{1,2})s?\b")
# "aged 65" or "5 year olds", not part of "aged 65 and over", "aged 15-24" or "16 to 25 year olds"
AGE_AT = re.compile(
    r"\b(?:at (?:age )?|aged )(\d{1,2})\b(?!\s*(?:\+|(?:years? )?(?:and|or) (?:over|older|above)|plus|-|–|to\b))|"
    r"(?<!-)(?<!- )(?<!–)(?<!to )\b(\d{1,2})[- ]years?[- ]olds?\b"  # not the end of "15-24 year olds"
)
AT_BIRTH = re.compile(r"\bat birth\b")
SCHOOL_YEAR = re.compile(r"\b(?:year|yr) ?(1[0-3]|[1-9]|r)\b|\breception\b")


def ages(text: str) -> list[tuple[int, int]]:
    """The age ranges a text names: "aged 15-24", "65 and over", "over-65s", "under 18s", "at 65", "5 year olds",
    "at birth", "year 6", "reception"."""
    text = text.lower()
    found = [(int(a), int(b)) for a, b in AGE_RANGE.findall(text) if int(a) <= int(b)]
    found += [(int(a or b), OLDEST) for a, b in AGE_AND_OVER.findall(text)]
    found += [(0, int(a) - 1) for a in AGE_UNDER.findall(text) if int(a) > 0]
    found += [(int(a or b), int(a or b)) for a, b in AGE_AT.findall(text)]
    found += [(0, 0)] if AT_BIRTH.search(text) else []
    for year in SCHOOL_YEAR.findall(text):  # "" for reception
        first = 4 if year in ("", "r") else int(year) + 4
        found.append((first, first + 1))
    return found


def other_group(question: str, table: IndicatorTable) -> bool:
    """The table is for another sex, or for ages none of which the question asks about (see ``other_group`` in
    the module's docstring)."""
    women, men = bool(FEMALE.search(question)), bool(MALE.search(question))
    named = f"{table.indicator_name} {table.category}"
    sex = table.sex if table.sex in ("Female", "Male") else ""
    if not sex and (FEMALE.search(named) or MALE.search(named)):
        sex = "Female" if FEMALE.search(named) else "Male"
    if sex and women != men and sex != ("Female" if women else "Male"):
        return True
    asked, held = ages(question), ages(named)
    return bool(asked and held) and not any(a <= d and c <= b for a, b in asked for c, d in held)


def age_unasked(question: str, table: IndicatorTable) -> bool:
    """The table is for some ages and the question names none (see ``age_unasked`` in the module's docstring)."""
    held = ages(f"{table.indicator_name} {table.category}")
    narrower = [(a, b) for a, b in held if (a, b) != (0, 0) and not (a <= ADULT and b == OLDEST)]
    return bool(narrower) and not ages(question)


@dataclass(frozen=True)
class Candidate:
    """A candidate table for a question with the features of the pair and the model's probability."""

    table: IndicatorTable
    features: dict[str, float]
    probability: float = 0.0


@cache
def shipped_model() -> LogisticModel:
    """The fitted model shipped beside this module."""
    return LogisticModel.load(MODEL_PATH)


def asks_figure(question: str) -> bool:
    return bool(FIGURE.search(question))


def asks_other(question: str) -> bool:
    """The question asks for something other than a figure (``OTHER``): a meaning, services, plans, reasons."""
    return bool(OTHER.search(question))


class Relevance:
    """Features of candidate tables over one catalogue: its token sets and IDF, computed once."""

    def __init__(self, catalogue: IndicatorCatalogue, table: pd.DataFrame) -> None:
        entries = catalogue.entries
        self.catalogue = catalogue
        self.rows = {key: row for row, key in enumerate(zip(entries["indicator_id"], entries["source"], strict=True))}
        # The years each indicator has figures for, in any area: a table of it can hold no other.
        self.years: list[set[int]] = [set() for _ in self.rows]
        for (indicator, source), periods in table.groupby(["indicator_id", "source"], sort=False)["period"]:
            if (indicator, source) in self.rows:
                held = self.years[self.rows[(indicator, source)]]
                for period in periods.unique():
                    held |= years_in(str(period), period=True)
        names = tokenize([str(name) for name in entries["indicator_name"]])
        texts = tokenize([f"{r.indicator_name} {r.definition}" for r in entries.itertuples()])
        self.names = [_content(tokens) for tokens in names]
        self.texts = [set(tokens) for tokens in texts]
        frequency: dict[str, int] = {}
        for tokens in self.texts:
            for token in tokens:
                frequency[token] = frequency.get(token, 0) + 1
        self.frequency = frequency
        self.size = len(entries)

    def idf(self, token: str) -> float:
        """BM25's IDF over the catalogue's names and definitions, log(1 + (N - df + 0.5) / (df + 0.5)): highest for
        a word in none, above 0 for a word in all (a catalogue of one indicator still weighs its words)."""
        df = self.frequency.get(token, 0)
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def year_missing_values(self, row: int, asked: set[int]) -> tuple[float, ...]:
        """The values ``year_missing`` can take for a table of the catalogue row's indicator, before it is built:
        0 when the question names no year; 1 when the indicator has no figure for any it names; else either."""
        if not asked:
            return (0.0,)
        return (1.0,) if not asked & self.years[row] else (0.0, 1.0)

    def features(self, question: str, topic: str, vector: np.ndarray, rows: Sequence[int]) -> list[dict[str, float]]:
        """The features of each catalogue row in ``rows`` (the matcher's best, in its order) for the question, all
        of :data:`ALL_FEATURES` but the table's own (see :func:`with_table`); ``topic`` is the question without its
        areas."""
        if not rows:
            return []
        similarity = self.catalogue.vectors[list(rows)] @ vector
        best = float(similarity.max())
        words = _topic_words(topic)
        weights = {w: self.idf(w) for w in words}
        total = sum(weights.values())
        held = set(words) | _content(tokenize([" ".join(expansions(topic))])[0])
        query = " ".join([topic, *expansions(topic)])
        bm25 = self.catalogue.lexical.scores(query, self.size)
        top = float(bm25.max()) if len(bm25) else 0.0
        figure = float(asks_figure(question))
        other = float(asks_other(question))
        out = []
        for rank, (row, sim) in enumerate(zip(rows, similarity, strict=True)):
            name_weights = {w: self.idf(w) for w in self.names[row]}
            name_total = sum(name_weights.values())
            text = self.texts[row]
            out.append(
                {
                    "similarity": float(sim),
                    "similarity_gap": best - float(sim),
                    "question_cover": sum(v for w, v in weights.items() if _holds(text, w)) / total if total else 0.0,
                    "name_cover": sum(v for w, v in name_weights.items() if _holds(held, w)) / name_total
                    if name_total
                    else 0.0,
                    "bm25": float(bm25[row]) / top if top > 0 else 0.0,
                    "asks_figure": figure,
                    "asks_other": other,
                    "rank": float(rank),
                }
            )
        return out


def with_table(
    features: dict[str, float], table: IndicatorTable, named: Sequence[str], question: str
) -> dict[str, float]:
    """The features with those that need the built table: ``area_named``, ``year_missing``, ``other_group`` and
    ``age_unasked``."""
    asked = years_in(question)
    periods = (table.period, *(label for label, _ in table.trend))
    return {
        **features,
        "area_named": float(_area_named(table, named)),
        "year_missing": float(bool(asked) and not period_held(asked, periods)),
        "other_group": float(other_group(question, table)),
        "age_unasked": float(age_unasked(question, table)),
    }


def period_held(asked: set[int], periods: Sequence[str]) -> bool:
    """Does one of a table's periods hold the years a question names? A year or a financial or school year must
    lie within one period ("2017" in "2017/18" or "2016-18"; "2017/18" not in "2018/19", though both touch 2018); a
    longer span or years compared ("since 2010", "2015 and 2018") needs only one of its years."""
    spans = [years_in(period, period=True) for period in periods]
    if len(asked) > 2:
        return any(asked & span for span in spans)
    return any(asked <= span for span in spans)


def best_probability(
    model: LogisticModel, features: dict[str, float], named: bool, year_missing: Sequence[float]
) -> float:
    """The highest probability the model could give a candidate with these features, whatever its table:
    ``area_named`` is 0 when the question names no area, else 0 or 1 (1 unless the wider area is shown);
    ``year_missing`` takes the values given (:meth:`Relevance.year_missing_values`); ``other_group`` and
    ``age_unasked`` 0 or 1."""
    areas = (0.0, 1.0) if named else (0.0,)
    return max(
        model.probability(
            {**features, "area_named": area, "year_missing": year, "other_group": group, "age_unasked": narrower}
        )
        for area in areas
        for year in year_missing
        for group in (0.0, 1.0)
        for narrower in (0.0, 1.0)
    )


def _content(tokens: Sequence[str]) -> set[str]:
    """Content words: not question or measure words, not years (a question's "2019" is a period, not a topic)."""
    return {
        t
        for t in tokens
        if t not in QUESTION_WORDS and t not in MEASURE_WORDS and t not in GENERIC_WORDS and not YEAR.match(t)
    }


def _topic_words(topic: str) -> list[str]:
    """The question's topic words: stemmed, without question and measure words, years or place names."""
    places = {token for tokens in tokenize(places_in(topic)) for token in tokens}
    return [t for t in dict.fromkeys(tokenize([topic])[0]) if t not in places and t in _content([t])]


def _holds(words: set[str], word: str) -> bool:
    """The word, or one it begins or that begins it (4 letters or more: "smoke" and "smoker" are not stemmed
    alike), is among ``words``."""
    if word in words:
        return True
    return len(word) >= 4 and any(len(w) >= 4 and (w.startswith(word) or word.startswith(w)) for w in words)


def _area_named(table: IndicatorTable, named: Sequence[str]) -> bool:
    if table.note:  # the wider area's figure, shown for want of one for the area asked about
        return False
    return table.area in named or (bool(table.ranking) and bool(named))
