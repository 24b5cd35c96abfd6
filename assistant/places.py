"""Place names: which places a question or passage names, and which places belong together.

``places.csv`` beside this module is the shipped gazetteer: ``name, type, within``, so that any English council's
places are known, not only those of the documents the assistant was built on:

- counties, unitary authorities (metropolitan districts and London boroughs among them) and shire districts, by the
  names OHID's Fingertips uses in its 2018-2020 area lists (Open Government Licence v3.0);
- what each lies within, which those lists do not give: a district's county (checked against the blocks of ONS
  codes each county's districts are numbered in), a metropolitan district's metropolitan county, a London borough's
  London, a unitary authority's ceremonial county (Leicester in Leicestershire, Medway in Kent, Reading in
  Berkshire: JSNAs are often joint);
- for the shipped and shared corpora, some towns, a prison, a health area and "Sussex" (within both its counties).

Regions and England are not places here: every profile compares with them.

A place belongs with its ancestors and its descendants (Crawley with West Sussex and Bognor Regis; Trafford with
Greater Manchester), and so with the other places of its county: a document about any of them may answer a
question naming another. A question naming a place answered only from documents about other places is not.

Names are matched as whole words in any case ("mid sussex"), except those that are also everyday words
(``EVERYDAY``: "reading", "bury", "rugby"), which count only capitalised. What people type for a name ("W Sussex",
"Mid-Sussex", "Brighton & Hove", "Bognor", "Stoke on Trent") is written as the gazetteer writes it first
(:func:`as_named`).
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

GAZETTEER = Path(__file__).with_name("places.csv")
EVERYDAY = frozenset(
    {"Brent", "Bury", "Craven", "Derby", "Eden", "Harrow", "Hart", "Reading", "Rugby", "Sutton", "Swale"}
)


@dataclass(frozen=True)
class Gazetteer:
    names: tuple[str, ...]
    parents: dict[str, tuple[str, ...]]  # the places each lies within (Sussex: West and East Sussex)
    canonical: dict[str, str]  # lower case -> the name as written
    any_case: re.Pattern[str]
    capitalised: re.Pattern[str]
    typed: dict[str, str]  # lower case -> the name: what people type for it ("w sussex", "bognor"), and the name
    any_typed: re.Pattern[str]

    def ancestors(self, place: str) -> set[str]:
        found: set[str] = set()
        todo = list(self.parents.get(place, ()))
        while todo:
            parent = todo.pop()
            if parent not in found:
                found.add(parent)
                todo.extend(self.parents.get(parent, ()))
        return found


@functools.cache
def gazetteer() -> Gazetteer:
    """The shipped gazetteer, read once."""
    with GAZETTEER.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = tuple(row["name"] for row in rows)
    parents = {row["name"]: tuple(p for p in row["within"].split("|") if p) for row in rows}
    canonical = {name.lower(): name for name in names}
    typed: dict[str, set[str]] = {}
    for name in (n for n in names if n not in EVERYDAY):  # "burys" is a misspelt word, not Bury
        for form in typed_forms(name):
            typed.setdefault(form.lower(), set()).add(name)
    # A form that is a name itself, or that two names share ("Kingston"), is left as typed; a name stays itself
    # ("Bognor Regis" is not "Bognor" and "Regis").
    unique = {form: next(iter(to)) for form, to in typed.items() if len(to) == 1 and form not in canonical}
    unique |= {name.lower(): name for name in names if name not in EVERYDAY}
    return Gazetteer(
        names,
        parents,
        canonical,
        _alternation([n for n in names if n not in EVERYDAY], re.IGNORECASE),
        _alternation([n for n in names if n in EVERYDAY], 0),
        unique,
        _alternation(list(unique), re.IGNORECASE, "'’"),  # "it's Norfolk" is not "it'South Norfolk"
    )


COMPASS = re.compile(r"^(North|South|East|West) ")
SHORT_FORM = re.compile(r"^(.+?)(?: Regis|-on-[A-Z]\w+| upon [A-Z]\w+)$")  # "Bognor Regis", "Southend-on-Sea"


def typed_forms(name: str) -> set[str]:
    """What people type for ``name`` besides the name: "W Sussex" and "W. Sussex" for West Sussex, "Mid-Sussex" for
    Mid Sussex, "Brighton & Hove" for Brighton and Hove, "Stoke on Trent" and "Stoke" for Stoke-on-Trent, "Bognor"
    for Bognor Regis, "Crawleys" (its possessive without the apostrophe) for Crawley."""
    forms = {name.replace(" and ", " & "), name.replace("-", " ")} | (set() if name.endswith("s") else {f"{name}s"})
    if compass := COMPASS.match(name):
        rest = name[compass.end() :]
        forms |= {f"{compass.group(1)[0]} {rest}", f"{compass.group(1)[0]}. {rest}"}
    if name.startswith("Mid "):
        forms.add(f"Mid-{name[4:]}")
    if short := SHORT_FORM.match(name):
        forms.add(short.group(1))
    return forms - {name}


def as_named(text: str) -> str:
    """``text`` with the places it names as people type them ("W Sussex", "Bognor") written as the gazetteer names
    them ("West Sussex", "Bognor Regis")."""
    return gazetteer().any_typed.sub(lambda m: _named(m.group()), text)


def renamed(text: str) -> tuple[tuple[str, str], ...]:
    """The places of ``text`` that :func:`as_named` writes otherwise, each once: (as typed, as named)."""
    pairs = ((m.group(), _named(m.group())) for m in gazetteer().any_typed.finditer(text))
    return tuple(dict.fromkeys((typed, named) for typed, named in pairs if typed != named))


def _named(typed: str) -> str:
    g = gazetteer()
    return typed if typed.lower() in g.canonical else g.typed[typed.lower()]  # a name stays as its writer cased it


def _alternation(names: list[str], flags: int, after: str = "") -> re.Pattern[str]:
    """One pattern for all ``names``, longest first, so "West Sussex" is one place and not also "Sussex"; none
    starts right after a letter, digit or one of ``after``."""
    ordered = sorted(names, key=len, reverse=True)
    alternatives = "|".join(map(re.escape, ordered))
    return re.compile(rf"(?<![A-Za-z0-9{after}])(?:{alternatives})(?![A-Za-z0-9])", flags)


def places_in(text: str) -> list[str]:
    """The places ``text`` names, longest first ("Mid Sussex" before "Crawley"), each once."""
    return sorted(dict.fromkeys(name for name, _ in mentions(text)), key=len, reverse=True)


def mentions(text: str) -> list[tuple[str, re.Match[str]]]:
    """Every place ``text`` names, as the gazetteer names it, with where: (name, match)."""
    g = gazetteer()
    found = [(g.canonical[m.group().lower()], m) for m in g.any_case.finditer(text)]
    return found + [(m.group(), m) for m in g.capitalised.finditer(text)]


def within(place: str, places: Sequence[str]) -> bool:
    """``place`` is one of ``places`` or lies within one (Worthing within West Sussex; West Sussex within neither
    Worthing nor Crawley)."""
    return place in places or not gazetteer().ancestors(place).isdisjoint(places)


@functools.cache
def place_group(place: str) -> frozenset[str]:
    """``place`` with every place that shares a county (or metropolitan county, or London) with it: its ancestors,
    and their descendants."""
    g = gazetteer()
    tops = {p for p in {place} | g.ancestors(place) if not g.parents.get(p)}
    return frozenset({place} | g.ancestors(place) | {n for n in g.names if g.ancestors(n) & tops} | tops)
