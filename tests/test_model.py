"""The shared dataclasses: how a citation reads."""

from __future__ import annotations

import pytest

from assistant.model import Chunk, dated


@pytest.mark.parametrize(
    ("title", "year", "shown"),
    [
        ("Oral Health Needs Assessment", 2018, "Oral Health Needs Assessment (2018)"),
        (
            "Local Health Profile for Children and Young People (2020)",
            2020,
            "Local Health Profile for Children and Young People (2020)",
        ),
        ("West Sussex Joint Dementia Strategy 2020 - 2023", 2020, "West Sussex Joint Dementia Strategy 2020 - 2023"),
        ("National Child Measurement Programme 2017/18", 2018, "National Child Measurement Programme 2017/18 (2018)"),
        ("Pharmaceutical Needs Assessment 2025-2028", 2026, "Pharmaceutical Needs Assessment 2025-2028 (2026)"),
        ("Profile 12020", 2020, "Profile 12020 (2020)"),
        ("Briefing", None, "Briefing"),
    ],
)
def test_a_title_names_its_year_once(title: str, year: int | None, shown: str) -> None:
    assert dated(title, year) == shown


def test_a_citation_gives_the_year_once_and_the_pages() -> None:
    chunk = Chunk(
        id="c1",
        doc="pdf/h4f.pdf",
        title="Local Health Profile (2020)",
        kind="pdf",
        year=2020,
        publisher="West Sussex County Council",
        page_start=13,
        page_end=14,
        section="Year 6",
        text="For children in year 6, 24.4% were classified as overweight or obese.",
    )
    assert chunk.citation == "Local Health Profile (2020), pp. 13-14"
    assert Chunk(**{**chunk.__dict__, "year": 2019}).citation == "Local Health Profile (2020) (2019), pp. 13-14"
