"""An area's profile: its indicators in the manner of a spine chart (:mod:`assistant.indicators.profile`), those
where it is worse than England first, and the passages most about it, cited.

The passages: a search for the area's health and wellbeing, its pages re-ordered by how often they name the area
(any of its names: "Brighton" for "Brighton and Hove"); pages that never name it are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.errors import JsnaError
from assistant.indicators import IndicatorProfile, area_aliases, indicator_matcher
from assistant.model import Hit
from assistant.retrieve import Retriever

PASSAGES = 5
SEARCHED = 30  # pages searched for the passages, before those naming the area most are kept
NO_DATA = "The index has no indicator data, so there is no area profile to show."
NO_DATA_ADVICE = "Add indicator files (CSV, JSON or XLSX) under corpus/indicators/ and run `jsna ingest`."


@dataclass(frozen=True)
class AreaProfile:
    indicators: IndicatorProfile
    hits: tuple[Hit, ...] = ()

    @property
    def area(self) -> str:
        return self.indicators.area

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of ``jsna profile AREA --json`` (see README, "Area profiles")."""
        rows = []
        for row in self.indicators.rows:
            table = row.table.to_dict()
            del table["rows"]
            spine = row.spine
            rows.append(
                {
                    "theme": row.theme,
                    "worse_than_england": row.worse,
                    "trend_direction": row.trend,
                    "spine": None if spine is None else spine.__dict__,
                    **table,
                }
            )
        return {
            "area": self.area,
            "area_type": self.indicators.area_type,
            "indicators": rows,
            "passages": [hit.to_dict() for hit in self.hits],
        }


def areas(retriever: Retriever) -> list[str]:
    """Every area with a value in the live index's indicator data, the area the data is about first (empty when
    it has none)."""
    matcher = retriever.derived(indicator_matcher)
    if matcher is None:
        return []
    names = matcher.areas()
    home = [name for name in names if name == matcher.home_area]
    return home + [name for name in names if name not in home]


def area_profile(retriever: Retriever, area: str, passages: int = PASSAGES) -> AreaProfile:
    """The profile of ``area`` (any of its names) from the live index. Raises :class:`JsnaError` when the index
    has no indicator data or none for that area (naming the closest areas it has)."""
    matcher = retriever.derived(indicator_matcher)
    if matcher is None:
        raise JsnaError(NO_DATA, NO_DATA_ADVICE)
    indicators = matcher.profile(area, retriever.embedder.embed)
    return AreaProfile(indicators, tuple(about(retriever, indicators.area, passages)))


def about(retriever: Retriever, area: str, k: int = PASSAGES) -> list[Hit]:
    """The ``k`` pages most about ``area``: of the best pages for its health and wellbeing, those naming it
    most often, in that order (the search's order among equals)."""
    names = sorted(area_aliases(area) | {area}, key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z])(?:" + "|".join(re.escape(n) for n in names) + r")(?![A-Za-z])", re.I)
    hits = retriever.search(f"health and wellbeing in {area}", k=SEARCHED)
    counted = [(len(pattern.findall(hit.text)), n, hit) for n, hit in enumerate(hits)]
    return [hit for count, _, hit in sorted(counted, key=lambda c: (-c[0], c[1])) if count][:k]
