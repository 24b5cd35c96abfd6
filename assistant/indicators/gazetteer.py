"""Areas: which areas a question names, and how the data's areas nest.

A gazetteer of the data's area names with common short forms ("Brighton" for "Brighton and Hove") finds the areas
in a question. The long table also tells which districts make up a county (from local files), each area's wider
area (a district's county), and the home area: the area a question about no area is answered for.
"""

from __future__ import annotations

import re

import pandas as pd

ENGLAND = "england"
NATIONAL = {ENGLAND, "england and wales"}  # benchmarks in "compared with England", not subjects
LOCAL_FILE_DISTRICTS = 30  # a file with more districts than this covers the country, not one county
LETTERS = re.compile(r"[a-z]+")


def area_aliases(name: str) -> set[str]:
    """Short forms people type for an area name."""
    aliases = {name}
    base = re.sub(r"^(nhs|city of|county of|royal borough of|london borough of)\s+", "", name, flags=re.I)
    base = re.sub(r"\s+(ua|council|county council|district|borough|ccg)$", "", base, flags=re.I)
    aliases.add(base)
    for part in re.split(r",\s*|\s+and\s+|\s*&\s*", base):
        if len(part) >= 4 and part.lower() not in {"city", "county", "north", "south", "east", "west"}:
            aliases.add(part)
    return {alias.strip() for alias in aliases if alias.strip()}


class Gazetteer:
    """The long table's areas: alias patterns -> area names, the home area, counties' districts, wider areas."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.patterns = _patterns(table)
        self.home_area = _home_area(table)
        self.county_parts = _county_parts(table)
        self.parents = _parents(table, self.county_parts)

    def areas_in(self, question: str) -> list[str]:
        """Areas the question names, in the order it names them (each with the other areas its words may mean
        after it); England only when it names no other area (in "worse than England" England is the benchmark,
        not the subject)."""
        found, _ = self.find(question)
        names = list(dict.fromkeys(name for _, meanings in sorted(found) for name in meanings))
        others = [name for name in names if name.lower() not in NATIONAL]
        return others or names

    def find(self, question: str) -> tuple[list[tuple[int, list[str]]], str]:
        """The area names in the question (position, meanings), and the question without them."""
        lowered = question.lower()
        runs = set(LETTERS.findall(lowered))
        found: list[tuple[int, list[str]]] = []
        for pattern, meanings, first in self.patterns:
            if first and first not in runs:
                continue  # the alias's first run of letters is not in the text: no search needed
            match = pattern.search(lowered)
            if match:
                lowered = lowered[: match.start()] + " " * len(match.group()) + lowered[match.end() :]
                found.append((match.start(), meanings))
        return found, lowered

    def without_areas(self, question: str) -> str:
        """The question (lowercased) with the area names it holds blanked out."""
        return self.find(question)[1]


def _patterns(table: pd.DataFrame) -> list[tuple[re.Pattern[str], list[str], str]]:
    """Each alias with the area names it may mean, the exact name first, then shortest first: "Coastal West
    Sussex" is both a CCG's short name in one file and "NHS Coastal West Sussex CCG" in another. Last, the alias's
    first run of letters ("" when it starts otherwise): the pattern matches whole runs, so a text without that run
    cannot hold the alias."""
    names = set(table["area_name"].dropna().astype(str))
    entries: dict[str, list[str]] = {}
    for name in sorted(names, key=len):
        for alias in area_aliases(name):
            entries.setdefault(alias.lower(), []).append(name)
    for alias, meanings in entries.items():
        meanings.sort(key=lambda name: name.lower() != alias)
    ordered = sorted(entries.items(), key=lambda item: -len(item[0]))
    return [
        (re.compile(r"(?<![a-z])" + re.escape(alias) + r"(?![a-z])"), names, first.group() if first else "")
        for alias, names in ordered
        for first in [LETTERS.match(alias)]
    ]


def _home_area(table: pd.DataFrame) -> str:
    """The county with most rows (else the area with most rows, England aside): the area the data is about."""
    counties = table[table["area_type"].str.contains("County", na=False)]
    counts = (counties if len(counties) else table[table["area_name"].str.lower() != ENGLAND])["area_name"]
    return str(counts.value_counts().index[0]) if len(counts) else ""


def _county_parts(table: pd.DataFrame) -> dict[str, set[str]]:
    """Which districts make up a county, learned from local files: a file (or sheet) with one county and a few
    districts is about that county's districts."""
    parts: dict[str, set[str]] = {}
    for _, rows in table.groupby("source", sort=False):
        types = rows.drop_duplicates("area_name")
        counties = types[types["area_type"].str.contains("County", na=False)]["area_name"]
        districts = set(types[types["area_type"].str.contains("District", na=False)]["area_name"])
        if len(counties) == 1 and 0 < len(districts) <= LOCAL_FILE_DISTRICTS:
            parts.setdefault(str(counties.iloc[0]), set()).update(districts)
    return parts


def _parents(table: pd.DataFrame, county_parts: dict[str, set[str]]) -> dict[str, str]:
    """Each area's wider area (a district's county), from the data's parent links and learned county parts."""
    parents = {part: county for county, parts in county_parts.items() for part in parts}
    links = table[(table["parent_name"] != "") & ~table["parent_name"].str.lower().isin(NATIONAL)]
    for area, parent in links[["area_name", "parent_name"]].drop_duplicates("area_name").itertuples(index=False):
        parents.setdefault(str(area), str(parent))
    return parents
