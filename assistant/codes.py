"""Indicator codes that JSNAs cite: National Indicators ("NI 56"), NHS Vital Signs ("VS B09"), Public Health
Outcomes Framework codes in both numberings ("PHOF C09a", "PHOF 2.06i") and OHID Fingertips indicator IDs
("Fingertips 93014").

``codes.csv`` beside this module is the shipped lookup: ``code, scheme, name, source, fingertips_id`` (see README,
"Indicator codes": what it covers and where each name comes from). A Fingertips ID needs no row: the indicator
files name their indicators by it. :func:`codes_in` finds codes in any text in their canonical spelling, so a
question and a passage that cite the same code meet whatever their spacing or case; :func:`with_names` adds what
the codes a question cites measure, so the model and BM25 read "obesity in Year 6" where the question says "NI 56".
Text only, no I/O but the shipped lookup: passages are tagged with the codes they cite when shown
(:attr:`assistant.model.Hit.codes`), searches put the pages citing an asked code first (:mod:`assistant.retrieve`)
and the indicator a code names is shown (:mod:`assistant.indicators`).
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

LOOKUP = Path(__file__).with_name("codes.csv")
_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\bNI\s?(\d{1,3})\b"), lambda m: f"NI {int(m[1])}"),
    (re.compile(r"\bVS\s?([A-E])\s?(\d{2})\b"), lambda m: f"VS {m[1]}{m[2]}"),
    (
        re.compile(r"\bPHOF\s*(?:indicator\s*)?([A-Ea-e]\d{2}[a-z]?)\b", re.I),
        lambda m: f"PHOF {m[1][0].upper()}{m[1][1:].lower()}",
    ),
    (re.compile(r"\bPHOF\s*(?:indicator\s*)?(\d\.\d{2}(?:[ivx]+)?)(?![\w.])", re.I), lambda m: f"PHOF {m[1].lower()}"),
    (
        re.compile(r"\b(?:Fingertips|indicator)(?:\s+indicator)?(?:\s+ID)?[\s:]*(\d{5})\b", re.I),
        lambda m: f"Fingertips {m[1]}",
    ),
)


@dataclass(frozen=True)
class Code:
    code: str  # canonical: "NI 56", "VS B09", "PHOF C09a", "PHOF 2.06i", "Fingertips 93014"
    scheme: str
    name: str
    source: str = ""
    fingertips_id: str = ""  # the Fingertips indicator that measures it, where known

    @property
    def label(self) -> str:
        """ "NI 56: Obesity among primary school age children in Year 6"."""
        return f"{self.code}: {self.name}" if self.name else self.code


def codes_in(text: str) -> list[str]:
    """The indicator codes ``text`` cites, canonical, each once, in the order they appear."""
    found: list[tuple[int, str]] = []
    for pattern, canonical in _PATTERNS:
        found.extend((m.start(), canonical(m)) for m in pattern.finditer(text))
    return list(dict.fromkeys(code for _, code in sorted(found)))


@functools.cache
def lookup() -> dict[str, Code]:
    """The shipped lookup, by canonical code."""
    with LOOKUP.open(newline="", encoding="utf-8") as handle:
        rows = [Code(**{k: (v or "").strip() for k, v in row.items()}) for row in csv.DictReader(handle)]
    return {row.code: row for row in rows}


def fingertips_ids(text: str) -> list[str]:
    """The Fingertips indicator IDs the codes in ``text`` stand for: a Fingertips ID itself, or the one the lookup
    gives for an NI, Vital Signs or PHOF code (where it has one)."""
    ids = []
    for code in codes_in(text):
        known = lookup().get(code)
        number = code.split()[1] if code.startswith("Fingertips ") else known.fingertips_id if known else ""
        if number:
            ids.append(number)
    return list(dict.fromkeys(ids))


def with_names(text: str) -> str:
    """``text`` followed by the names of the codes it cites that the lookup knows ("NI 56" -> "... Obesity among
    primary school age children in Year 6"); ``text`` itself when it cites none."""
    names = [known.name for code in codes_in(text) if (known := lookup().get(code)) and known.name]
    return " ".join([text, *names])


def resolve(code: str, indicator_names: Mapping[str, str]) -> Code:
    """A code as the lookup knows it; a Fingertips ID named by the indicator data (``indicator_names``: id ->
    name); else the bare code (scheme known, name unknown)."""
    known = lookup().get(code)
    if known is not None:
        return known
    if code.startswith("Fingertips "):
        number = code.split()[1]
        return Code(code, "Fingertips", indicator_names.get(number, ""), "OHID Fingertips", number)
    scheme = {"NI": "National Indicator Set", "VS": "Vital Signs", "PHOF": "Public Health Outcomes Framework"}
    return Code(code, scheme.get(code.split()[0], ""), "")
